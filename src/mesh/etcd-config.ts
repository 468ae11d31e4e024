import { systemClock, type Clock } from '../core/clock.js';
import { ConfigError, DiscoveryError } from '../core/errors.js';
import { numberOption, readOptions, stringOption } from '../core/options.js';
import { systemRng, type Rng } from '../core/rng.js';
import { DEFAULTS } from '../defaults.js';
import { boundedCall } from '../discovery/bounded-call.js';
import { etcdClientRef } from '../discovery/etcd-client.js';
import { watchEtcd } from '../discovery/etcd-watch.js';
import { parseSessionBackoff } from '../discovery/session-loop.js';
import type { ConfigSource } from './config-source.js';
import { formatOfPath, type ConfigFormat } from './config-text.js';
import { registryConfig } from './registry-config.js';

/** Options of {@link etcdConfig}. */
export interface EtcdConfigOptions {
  /** An `Etcd3` client (from the `etcd3` package). Give this or `hosts`; the caller closes it. */
  client?: import('etcd3').Etcd3;
  /** etcd URLs; the source makes its own client (loading `etcd3` on first use) and closes it. */
  hosts?: string | string[];
  /** The key holding the mesh config, e.g. `/config/mesh.yaml`. */
  key: string;
  /** `json` or `yaml` (default: from the key's name, `.yaml`/`.yml` being YAML). */
  format?: ConfigFormat;
  /** Time allowed for a read or for the watch to connect (ms, default 5 000). */
  timeoutMs?: number;
  /** Backoff (ms) before a failed watch starts over (the discovery base's defaults). */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Clock of timeouts and backoff (default: the system clock). */
  clock?: Clock;
  /** Random source of the backoff jitter (default: `Math.random`). */
  rng?: Rng;
}

/**
 * A mesh config source reading one etcd key (JSON or YAML) and watching it: every write delivers
 * the whole config with the key's mod revision as its version (`etcd:<revision>`). A missing or
 * deleted key, a malformed value, or etcd being away is reported as an error and the mesh keeps
 * its active config; the watch starts over by itself after a backoff.
 *
 * @example
 * const mesh = createMesh({ source: etcdConfig({ client, key: '/config/mesh.json' }) });
 */
export function etcdConfig(options: EtcdConfigOptions): ConfigSource {
  const o = readOptions(options, '', ['client', 'hosts', 'key', 'format', 'timeoutMs', 'backoff', 'clock', 'rng'] as const);
  const key = stringOption(o.key, 'key');
  if (o.format !== undefined && o.format !== 'json' && o.format !== 'yaml') throw new ConfigError('format', o.format, '"json" or "yaml"');
  const format = (o.format as ConfigFormat | undefined) ?? formatOfPath(key);
  const timeoutMs = numberOption(o.timeoutMs, 'timeoutMs', DEFAULTS.discovery.pollTimeoutMs, { min: 1 });
  const clock = (o.clock as Clock | undefined) ?? systemClock;
  const ref = etcdClientRef(o.client, o.hosts);
  const name = `etcd config ${key}`;
  return registryConfig({
    name,
    origin: key,
    format,
    backoff: parseSessionBackoff(o.backoff, 'backoff'),
    clock,
    rng: (o.rng as Rng | undefined) ?? systemRng,
    async run({ signal, deliver, error, reset }) {
      const client = await ref.get();
      const within = <T>(what: string, ms: number, task: (s: AbortSignal) => Promise<T>): Promise<T> =>
        boundedCall(clock, signal, ms, () => new DiscoveryError(name, `${what} did not finish within ${ms} ms`), task);
      await watchEtcd(client, { key }, timeoutMs, name, { clock, signal, within }, {
        snapshot(kvs) {
          reset();
          const kv = kvs[0];
          if (kv) void deliver(kv.value.toString(), `etcd:${kv.mod_revision}`);
          else error(new ConfigError('key', key, 'an etcd key that exists'));
        },
        put: (kv) => void deliver(kv.value.toString(), `etcd:${kv.mod_revision}`),
        delete: () => error(new ConfigError('key', key, 'an etcd key that exists (it was deleted; the active config stays)')),
        disconnected: (e) => error(new DiscoveryError(name, `the watch lost etcd (${e instanceof Error ? e.message : String(e)}); reconnecting`, { cause: e })),
      });
    },
    close: () => ref.close(),
  });
}

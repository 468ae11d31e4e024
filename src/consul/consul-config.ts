import { sleep, systemClock, type Clock } from '../core/clock.js';
import { ConfigError, DiscoveryError } from '../core/errors.js';
import { numberOption, readOptions, stringOption } from '../core/options.js';
import { systemRng, type Rng } from '../core/rng.js';
import { DEFAULTS } from '../defaults.js';
import type { ConfigSource } from '../mesh/config-source.js';
import { formatOfPath, type ConfigFormat } from '../mesh/config-text.js';
import { nextIndex } from './blocking-index.js';
import { boundedCall } from '../discovery/bounded-call.js';
import { parseSessionBackoff } from '../discovery/session-loop.js';
import { registryConfig } from '../mesh/registry-config.js';
import { consulCall, consulClientOption, type ConsulClient, type ConsulConnection } from './consul-client.js';

/** Options of {@link consulConfig}. */
export interface ConsulConfigOptions {
  /** The KV key holding the mesh config (`config/mesh.json`). */
  key: string;
  /** `json` or `yaml` (default: from the key, `.yaml`/`.yml` being YAML). */
  format?: ConfigFormat;
  /** A `consul` client you made; it stays open when the source closes. */
  client?: ConsulClient;
  /** Where to reach Consul when switchyard makes the client (default 127.0.0.1:8500). Not with `client`. */
  consul?: ConsulConnection;
  /** The datacenter to read from (default: the agent's own). */
  datacenter?: string;
  /** How long (ms) one blocking read may wait for a change (default 60 000, at most 600 000). */
  waitMs?: number;
  /** Least time (ms) between the starts of two reads (default 250). */
  minIntervalMs?: number;
  /** Backoff (ms) before a failed read starts over (the discovery base's defaults: 500 ms doubling up to 30 000). */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Clock of the deadlines, the rate limit and the backoff (default: the system clock). */
  clock?: Clock;
  /** Random source of the backoff jitter (default: `Math.random`). */
  rng?: Rng;
}

/**
 * A mesh config source that reads one Consul KV key and follows it with blocking queries, so a
 * `consul kv put` reaches the mesh as soon as Consul has it. Each config's version is the key's
 * `ModifyIndex`. A missing key, a value that does not parse and a failed read are reported as
 * errors (the mesh keeps its active config and emits `config-rejected`); a failed read (a
 * `DiscoveryError`) starts over after a jittered backoff. The `consul` package is imported on first use, unless you pass a `client`.
 *
 * @example
 * import { consulConfig } from 'switchyard/consul';
 * const mesh = createMesh({ source: consulConfig({ key: 'config/mesh.yaml' }) });
 */
export function consulConfig(options: ConsulConfigOptions): ConfigSource {
  const o = readOptions(options, '', ['key', 'format', 'client', 'consul', 'datacenter', 'waitMs', 'minIntervalMs', 'backoff', 'clock', 'rng'] as const);
  const key = stringOption(o.key, 'key');
  if (o.format !== undefined && o.format !== 'json' && o.format !== 'yaml') throw new ConfigError('format', o.format, '"json" or "yaml"');
  const format = (o.format as ConfigFormat | undefined) ?? formatOfPath(key);
  const datacenter = o.datacenter === undefined ? undefined : stringOption(o.datacenter, 'datacenter');
  const waitMs = numberOption(o.waitMs, 'waitMs', DEFAULTS.consul.waitMs, { min: 1, max: 600_000, integer: true });
  const minIntervalMs = numberOption(o.minIntervalMs, 'minIntervalMs', DEFAULTS.consul.minIntervalMs);
  const deadlineMs = waitMs + Math.ceil(waitMs / 16) + DEFAULTS.discovery.pollTimeoutMs;
  const query = { key, wait: `${waitMs}ms`, ...(datacenter ? { dc: datacenter } : {}) };
  const clock = (o.clock as Clock | undefined) ?? systemClock;
  const connect = consulClientOption(o.client, o.consul);
  const name = `consul config ${key}`;
  return registryConfig({
    name,
    origin: `consul key ${key}`,
    format,
    backoff: parseSessionBackoff(o.backoff, 'backoff'),
    clock,
    rng: (o.rng as Rng | undefined) ?? systemRng,
    async run({ signal, deliver, error, reset }) {
      const { client, release } = await connect();
      try {
        let index = 0n;
        for (;;) {
          const started = clock.now();
          const [response, entry] = await boundedCall(clock, signal, deadlineMs, () => new DiscoveryError(name, `KV read did not finish within ${deadlineMs} ms`), (s) =>
            consulCall<KvEntry | undefined>((q) => client.kv.get(q), { ...query, index: index.toString() }, s),
          );
          const next = nextIndex(index, response.headers['x-consul-index']);
          index = next.index;
          reset();
          // A missing key or a bad value is the config's problem, not the read's: wait for the next write.
          if (next.changed) {
            if (entry === undefined) error(new ConfigError('key', key, 'a Consul KV key that exists'));
            else await deliver(entry.Value ?? '', String(entry.ModifyIndex));
          }
          await sleep(clock, minIntervalMs - (clock.now() - started), signal);
        }
      } finally {
        release();
      }
    },
  });
}

/** What the Consul client returns for a KV read. */
interface KvEntry {
  Value?: string | null;
  ModifyIndex?: number;
}

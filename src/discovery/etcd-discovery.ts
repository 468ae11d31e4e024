import type { IKeyValue } from 'etcd3';
import type { Clock } from '../core/clock.js';
import { numberOption, readOptions, stringOption } from '../core/options.js';
import type { Rng } from '../core/rng.js';
import { DEFAULTS } from '../defaults.js';
import type { EndpointInput } from '../fleet/endpoint.js';
import { etcdClientRef } from './etcd-client.js';
import { watchEtcd } from './etcd-watch.js';
import { createDiscovery, type DiscoveryBaseOptions, type ManagedDiscovery } from './managed-discovery.js';

/** Options of {@link etcdDiscovery}. */
export interface EtcdDiscoveryOptions {
  /** An `Etcd3` client (from the `etcd3` package). Give this or `hosts`; the caller closes it. */
  client?: import('etcd3').Etcd3;
  /** etcd URLs; the provider makes its own client (loading `etcd3` on first use) and closes it. */
  hosts?: string | string[];
  /** The key prefix to watch, e.g. `/services/payments/`: each key under it is one endpoint. */
  prefix: string;
  /** Time allowed for a list or for the watch to connect (ms, default 5 000). */
  timeoutMs?: number;
  /** Backoff (ms) between failed sessions (the base's defaults). */
  backoff?: DiscoveryBaseOptions['backoff'];
  /** Clock of timeouts and backoff (default: the system clock). */
  clock?: Clock;
  /** Random source of the backoff jitter (default: `Math.random`). */
  rng?: Rng;
}

/**
 * Endpoints from the keys under an etcd v3 prefix, each value an endpoint URL or a JSON
 * `{ url, id?, weight?, zone?, tags? }` (what {@link registerEtcd} writes). It lists the prefix
 * (a full snapshot), then watches it from the next revision; on reconnect it lists again (events
 * at or below the list's revision are skipped), and when etcd cancels the watch (its revision was
 * compacted) or the watch fails it starts over with a new list after a backoff. A failing etcd
 * keeps the last good set. `create()` of an etcd watch can hang while etcd is down, so connecting
 * is bounded by `timeoutMs`.
 *
 * @example
 * import { Etcd3 } from 'etcd3';
 * import { etcdDiscovery } from 'switchyard/etcd';
 * const discovery = etcdDiscovery({ client: new Etcd3({ hosts: 'http://127.0.0.1:2379' }), prefix: '/services/payments/' });
 */
export function etcdDiscovery(options: EtcdDiscoveryOptions): ManagedDiscovery {
  const o = readOptions(options, '', ['client', 'hosts', 'prefix', 'timeoutMs', 'backoff', 'clock', 'rng'] as const);
  const prefix = stringOption(o.prefix, 'prefix');
  const timeoutMs = numberOption(o.timeoutMs, 'timeoutMs', DEFAULTS.discovery.pollTimeoutMs, { min: 1 });
  const ref = etcdClientRef(o.client, o.hosts);
  const name = `etcd ${prefix}`;
  let closeHooked = false;
  return createDiscovery({
    name,
    backoff: o.backoff as DiscoveryBaseOptions['backoff'],
    clock: o.clock as Clock | undefined,
    rng: o.rng as Rng | undefined,
    async run(session) {
      if (!closeHooked) {
        closeHooked = true;
        session.signal.addEventListener('abort', () => ref.close(), { once: true });
      }
      const client = await ref.get();
      await watchEtcd(client, { prefix }, timeoutMs, name, session, {
        snapshot: (kvs) => session.replace(kvs.map((kv) => [kv.key.toString(), endpointOf(kv)] as const)),
        put: (kv) => session.put(kv.key.toString(), endpointOf(kv)),
        delete: (kv) => session.remove(kv.key.toString()),
        disconnected: (error) => session.error(error),
      });
    },
  });
}

/** A key's value as an endpoint: JSON `{ url, ... }` or `"url"`, else the text itself as a URL. */
function endpointOf(kv: IKeyValue): EndpointInput {
  const text = kv.value.toString();
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('"')) {
    try {
      return JSON.parse(trimmed) as EndpointInput;
    } catch {
      // Not JSON after all: validation reports the text as an invalid URL, naming the key.
    }
  }
  return trimmed;
}

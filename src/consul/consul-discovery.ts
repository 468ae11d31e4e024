import type { Clock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import { booleanOption, numberOption, readOptions, stringOption } from '../core/options.js';
import type { Rng } from '../core/rng.js';
import { DEFAULTS } from '../defaults.js';
import { createDiscovery, type DiscoveryBaseOptions, type ManagedDiscovery } from '../discovery/managed-discovery.js';
import { nextIndex } from './blocking-index.js';
import { consulCall, consulClientOption, type ConsulClient, type ConsulConnection } from './consul-client.js';
import { consulEndpoint, type ConsulHealthEntry } from './consul-endpoint.js';

/** Options of {@link consulDiscovery}. */
export interface ConsulDiscoveryOptions {
  /** The Consul service name to follow. */
  service: string;
  /** A `consul` client you made (`new Consul({ host, port })`); it stays open when the provider closes. */
  client?: ConsulClient;
  /** Where to reach Consul when switchyard makes the client (default: the local agent, 127.0.0.1:8500). Not with `client`. */
  consul?: ConsulConnection;
  /** Only instances whose every check passes (default true). With false, instances with a `warning` check are kept, at their `Weights.Warning`; critical ones never are. */
  passingOnly?: boolean;
  /** Only instances registered with this tag (Consul's `tag` filter). */
  tag?: string;
  /** The datacenter to ask (default: the agent's own). */
  datacenter?: string;
  /** URL scheme of the endpoints (default `http`). */
  scheme?: 'http' | 'https';
  /** How long (ms) one blocking query may wait for a change (default 60 000, at most 600 000, Consul's cap). */
  waitMs?: number;
  /** Least time (ms) between the starts of two queries, so an index that keeps moving cannot make a busy loop (default 250). */
  minIntervalMs?: number;
  /** Backoff between failed sessions (see `createDiscovery`). */
  backoff?: DiscoveryBaseOptions['backoff'];
  /** Clock for backoff, the query deadline and the rate limit (default: the system clock). */
  clock?: Clock;
  /** Random source of the backoff jitter (default: `Math.random`). */
  rng?: Rng;
}

/**
 * Follows a Consul service through the health API (`/v1/health/service/:service`) with blocking
 * queries: each query waits up to `waitMs` for the service's index to move past the last one,
 * so changes arrive as they happen without polling. The index rules of Consul's documentation
 * apply (an unchanged index confirms the set, an index that went backwards resets the wait, an
 * index below 1 is raised to 1), and queries are spaced by `minIntervalMs`. Only passing
 * instances are used by default; tags and `Meta` become endpoint tags (see the README).
 *
 * Built on the discovery base: a failed or hung query (the deadline is `waitMs` plus Consul's
 * wait jitter of `waitMs / 16` plus `DEFAULTS.discovery.pollTimeoutMs`) keeps the last good set,
 * is reported as a `discovery-error`, and the query starts again after a jittered backoff. The
 * `consul` package is imported on first use, unless you pass a `client`.
 *
 * @example
 * import { consulDiscovery } from 'switchyard/consul';
 * const client = createClient({ service: 'payments', discovery: consulDiscovery({ service: 'payments' }) });
 */
export function consulDiscovery(options: ConsulDiscoveryOptions): ManagedDiscovery {
  const o = readOptions(options, '', ['service', 'client', 'consul', 'passingOnly', 'tag', 'datacenter', 'scheme', 'waitMs', 'minIntervalMs', 'backoff', 'clock', 'rng'] as const);
  const service = stringOption(o.service, 'service');
  const connect = consulClientOption(o.client, o.consul);
  const passingOnly = booleanOption(o.passingOnly, 'passingOnly', true);
  const tag = o.tag === undefined ? undefined : stringOption(o.tag, 'tag');
  const datacenter = o.datacenter === undefined ? undefined : stringOption(o.datacenter, 'datacenter');
  const scheme = o.scheme ?? 'http';
  if (scheme !== 'http' && scheme !== 'https') throw new ConfigError('scheme', scheme, '"http" or "https"');
  const waitMs = numberOption(o.waitMs, 'waitMs', DEFAULTS.consul.waitMs, { min: 1, max: 600_000, integer: true });
  const minIntervalMs = numberOption(o.minIntervalMs, 'minIntervalMs', DEFAULTS.consul.minIntervalMs);
  const deadlineMs = waitMs + Math.ceil(waitMs / 16) + DEFAULTS.discovery.pollTimeoutMs;
  const query = { service, passing: passingOnly, ...(tag ? { tag } : {}), ...(datacenter ? { dc: datacenter } : {}), wait: `${waitMs}ms` };
  const rules = { scheme, passingOnly };

  return createDiscovery({
    name: `consul ${service}`,
    backoff: o.backoff as DiscoveryBaseOptions['backoff'],
    clock: o.clock as Clock | undefined,
    rng: o.rng as Rng | undefined,
    async run(session) {
      const { client, release } = await connect();
      try {
        let index = 0n;
        for (;;) {
          const started = session.clock.now();
          const [response, body] = await session.within('health query', deadlineMs, (signal) =>
            consulCall<unknown>((q) => client.health.service(q), { ...query, index: index.toString() }, signal),
          );
          if (!Array.isArray(body)) throw new Error(`the health API answered ${JSON.stringify(body)?.slice(0, 80)}, not a list`);
          const next = nextIndex(index, response.headers['x-consul-index']);
          if (next.changed) {
            const entries = [];
            for (const entry of body as ConsulHealthEntry[]) {
              const endpoint = consulEndpoint(entry, rules);
              if (endpoint) entries.push(endpoint);
            }
            session.replace(entries);
          } else {
            session.confirm();
          }
          index = next.index;
          const rest = minIntervalMs - (session.clock.now() - started);
          if (rest > 0) await session.sleep(rest);
        }
      } finally {
        release();
      }
    },
  });
}

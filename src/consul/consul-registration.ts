import { sleep, systemClock, type Clock } from '../core/clock.js';
import { ConfigError, DiscoveryError } from '../core/errors.js';
import { numberOption, readOptions, stringOption } from '../core/options.js';
import { systemRng, type Rng } from '../core/rng.js';
import { DEFAULTS } from '../defaults.js';
import { boundedCall } from '../discovery/bounded-call.js';
import { parseSessionBackoff, SessionLoop } from '../discovery/session-loop.js';
import { toEndpoint, type EndpointInput } from '../fleet/endpoint.js';
import { consulCall, consulClientOption, type ConsulClient, type ConsulConnection } from './consul-client.js';
import { firstOutcome } from '../core/first-outcome.js';

/** Options of {@link registerConsul}. */
export interface ConsulRegistrationOptions {
  /** The service name to register under. */
  service: string;
  /** Where this instance serves: `http://10.0.0.5:8080` (its host and port become the service's `Address` and `Port`). */
  endpoint: EndpointInput;
  /** The instance's service id, unique on its agent (default `<service>-<host>-<port>`). */
  id?: string;
  /** Service tags (`v2`, `version=v2`: `consulDiscovery` turns both into endpoint tags). */
  tags?: string[];
  /** Service metadata (endpoint tags for `consulDiscovery`). */
  meta?: Record<string, string>;
  /** TTL (ms) of the service's check (default 10 000); it is passed every `ttlMs / 3`. */
  ttlMs?: number;
  /** Consul removes the service after its check has been critical this long (ms, default 60 000, Consul's least), so a process that died without closing does not linger. */
  deregisterCriticalAfterMs?: number;
  /** Time allowed for each agent call (ms, default 5 000). */
  timeoutMs?: number;
  /** Backoff (ms) before registering again after a failure (default: 500 ms doubling, at most `ttlMs / 3`). */
  backoff?: { initialMs?: number; maxMs?: number };
  /** A `consul` client you made; it stays open when the registration closes. */
  client?: ConsulClient;
  /** Where to reach the agent when switchyard makes the client (default 127.0.0.1:8500). Not with `client`. */
  consul?: ConsulConnection;
  /** Told of every failure (a `DiscoveryError`: the agent unreachable, the check unknown); the registration retries by itself. */
  onError?: (error: unknown) => void;
  /** Clock of the heartbeat, the call deadlines and the backoff (default: the system clock). */
  clock?: Clock;
  /** Random source of the backoff jitter (default: `Math.random`). */
  rng?: Rng;
}

/** A service instance registered with a Consul agent. */
export interface ConsulRegistration {
  /** The registered service id. */
  readonly id: string;
  /** The id of its TTL check (`service:<id>`). */
  readonly checkId: string;
  /** Resolves once the service is registered and its check passes; rejects with the first failure (retrying goes on). */
  ready(): Promise<void>;
  /** Whether the service is registered and its check kept passing, as far as this process knows. */
  readonly registered: boolean;
  /** Stops the heartbeat and deregisters the service (bounded by `timeoutMs`; a failure goes to `onError`). */
  close(): Promise<void>;
}

/**
 * Registers this instance with the local Consul agent (`/v1/agent/service/register`) with a TTL
 * check, and keeps the check passing (`/v1/agent/check/pass`) every `ttlMs / 3`. When a pass
 * fails (the agent is away, or no longer knows the check because it restarted without its state
 * or reaped the service) the failure goes to `onError` and, after a jittered backoff, the service
 * is registered again. `close()` deregisters it, so watchers see the instance leave at once.
 *
 * @example
 * const registration = registerConsul({ service: 'payments', endpoint: 'http://10.0.0.5:8080', tags: ['version=v2'] });
 * await registration.ready();
 * process.on('SIGTERM', () => void registration.close());
 */
export function registerConsul(options: ConsulRegistrationOptions): ConsulRegistration {
  const o = readOptions(options, '', [
    'service', 'endpoint', 'id', 'tags', 'meta', 'ttlMs', 'deregisterCriticalAfterMs', 'timeoutMs', 'backoff', 'client', 'consul', 'onError', 'clock', 'rng',
  ] as const);
  const service = stringOption(o.service, 'service');
  const endpoint = new URL(toEndpoint(o.endpoint as EndpointInput, 'endpoint').url);
  const address = endpoint.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80));
  const id = o.id === undefined ? `${service}-${address}-${port}` : stringOption(o.id, 'id');
  const tags = o.tags ?? [];
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string' && t !== '')) throw new ConfigError('tags', o.tags, 'an array of non-empty strings');
  const meta = o.meta ?? {};
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta) || !Object.values(meta).every((v) => typeof v === 'string')) {
    throw new ConfigError('meta', o.meta, 'an object of string values');
  }
  const ttlMs = numberOption(o.ttlMs, 'ttlMs', 10_000, { min: 1_000, integer: true });
  const reapMs = numberOption(o.deregisterCriticalAfterMs, 'deregisterCriticalAfterMs', 60_000, { min: 60_000, integer: true });
  const timeoutMs = numberOption(o.timeoutMs, 'timeoutMs', DEFAULTS.discovery.pollTimeoutMs, { min: 1 });
  const beatMs = Math.floor(ttlMs / 3);
  const backoff = parseSessionBackoff(o.backoff ?? { initialMs: Math.min(DEFAULTS.discovery.backoff.initialMs, beatMs), maxMs: beatMs }, 'backoff');
  if (o.onError !== undefined && typeof o.onError !== 'function') throw new ConfigError('onError', o.onError, 'a function (error) => void');
  const onError = (o.onError as ((error: unknown) => void) | undefined) ?? (() => {});
  const clock = (o.clock as Clock | undefined) ?? systemClock;
  const connect = consulClientOption(o.client, o.consul);

  const name = `consul registration ${id}`;
  const checkId = `service:${id}`;
  const definition = { name: service, id, address, port, tags, meta, check: { ttl: `${ttlMs}ms`, deregistercriticalserviceafter: `${reapMs}ms` } };
  let registered = false;
  const { promise: ready, settle } = firstOutcome();
  /** One agent call, bounded by `timeoutMs` and cancelled when `signal` aborts. */
  const call = (signal: AbortSignal, what: string, method: (q: object) => Promise<unknown>, query: object): Promise<unknown> =>
    boundedCall(clock, signal, timeoutMs, () => new DiscoveryError(name, `${what} did not finish within ${timeoutMs} ms`), (s) => consulCall(method, query, s)).catch((error: unknown) => {
      throw error instanceof DiscoveryError ? error : new DiscoveryError(name, `${what} failed: ${(error as Error).message}`, { cause: error });
    });

  const loop: SessionLoop = new SessionLoop({
    backoff,
    clock,
    rng: (o.rng as Rng | undefined) ?? systemRng,
    onFailure(error) {
      registered = false;
      settle(error);
      onError(error);
    },
    async run(signal) {
      const { client, release } = await connect();
      try {
        await call(signal, 'registration', (q) => client.agent.service.register(q), definition);
        for (;;) {
          await call(signal, 'check pass', (q) => client.agent.check.pass(q), { id: checkId });
          registered = true;
          loop.reset();
          settle();
          await sleep(clock, beatMs, signal);
        }
      } finally {
        registered = false;
        if (signal.aborted) {
          await call(new AbortController().signal, 'deregistration', (q) => client.agent.service.deregister(q), { id }).catch((error: unknown) => onError(error));
        }
        release();
      }
    },
  });
  loop.start();
  return {
    id,
    checkId,
    ready: () => ready,
    get registered() {
      return registered;
    },
    async close() {
      settle(new DiscoveryError(name, 'closed before the service was registered'));
      await loop.close(new DiscoveryError(name, 'closed'));
    },
  };
}

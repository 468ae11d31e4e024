import { sleep, systemClock, type Clock } from '../core/clock.js';
import { ConfigError, DiscoveryError } from '../core/errors.js';
import { numberOption, readOptions, stringOption } from '../core/options.js';
import { DEFAULTS } from '../defaults.js';
import { toEndpoint, type EndpointInput } from '../fleet/endpoint.js';
import { boundedCall, consulClientOption, type ConsulClient, type ConsulConnection } from './consul-client.js';

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
  /** A `consul` client you made; it stays open when the registration closes. */
  client?: ConsulClient;
  /** Where to reach the agent when switchyard makes the client (default 127.0.0.1:8500). Not with `client`. */
  consul?: ConsulConnection;
  /** Called with each failure to keep the registration alive (a `DiscoveryError`; the registration keeps trying). */
  onError?: (error: DiscoveryError) => void;
  /** Clock of the heartbeat and of call deadlines (default: the system clock). */
  clock?: Clock;
}

/** A live registration made by {@link registerConsul}. */
export interface ConsulRegistration {
  /** The registered service id. */
  readonly id: string;
  /** The id of its TTL check (`service:<id>`). */
  readonly checkId: string;
  /** Heartbeats that failed in a row (0 while the check is kept passing). */
  readonly failures: number;
  /**
   * Stops the heartbeat and deregisters the service. Rejects with a `DiscoveryError` if the
   * agent could not be told (the check then turns critical after the TTL and the service is
   * removed after `deregisterCriticalAfterMs`); nothing of the registration runs afterwards.
   */
  close(): Promise<void>;
}

/**
 * Registers this instance with the local Consul agent (`/v1/agent/service/register`) with a TTL
 * check, and keeps the check passing (`/v1/agent/check/pass`) every `ttlMs / 3`. When the agent
 * no longer knows the check (it restarted without its state, or reaped the service), the service
 * is registered again; other failures are reported to `onError` and retried at the next beat.
 * Resolves once the service is registered and its check passes; rejects with a `DiscoveryError`
 * if that first registration fails (nothing is left running then).
 *
 * @example
 * const registration = await registerConsul({ service: 'payments', endpoint: 'http://10.0.0.5:8080', tags: ['v2'] });
 * process.on('SIGTERM', () => void registration.close());
 */
export async function registerConsul(options: ConsulRegistrationOptions): Promise<ConsulRegistration> {
  const o = readOptions(options, '', ['service', 'endpoint', 'id', 'tags', 'meta', 'ttlMs', 'deregisterCriticalAfterMs', 'client', 'consul', 'onError', 'clock'] as const);
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
  if (o.onError !== undefined && typeof o.onError !== 'function') throw new ConfigError('onError', o.onError, 'a function (error) => void');
  const onError = (o.onError as ConsulRegistrationOptions['onError']) ?? (() => {});
  const clock = (o.clock as Clock | undefined) ?? systemClock;
  const connect = consulClientOption(o.client, o.consul);

  const name = `consul registration ${id}`;
  const checkId = `service:${id}`;
  const definition = { name: service, id, address, port, tags, meta, check: { ttl: `${ttlMs}ms`, deregistercriticalserviceafter: `${reapMs}ms` } };
  const { client, release } = await connect();
  const stop = new AbortController();

  /** One agent call, bounded by the discovery call deadline and cancelled by `cancel`. */
  const call = (what: string, method: (q: object) => Promise<unknown>, query: object, cancel: AbortSignal | null = stop.signal): Promise<unknown> =>
    boundedCall(clock, DEFAULTS.discovery.pollTimeoutMs, cancel, method, query).catch((error: unknown) => {
      throw new DiscoveryError(name, `${what} failed: ${(error as Error).message}`, { cause: error });
    });
  const register = async (): Promise<void> => {
    await call('registration', (q) => client.agent.service.register(q), definition);
    await call('check pass', (q) => client.agent.check.pass(q), { id: checkId });
  };

  try {
    await register();
  } catch (error) {
    release();
    throw error;
  }

  let failures = 0;
  const beat = async (): Promise<void> => {
    try {
      await call('check pass', (q) => client.agent.check.pass(q), { id: checkId });
    } catch (error) {
      // The agent forgot the check (restarted without state, or reaped the service): register again.
      if (((error as DiscoveryError).cause as { statusCode?: number } | undefined)?.statusCode !== 404) throw error;
      await register();
    }
  };
  const heartbeat = (async () => {
    while (!stop.signal.aborted) {
      try {
        await sleep(clock, Math.floor(ttlMs / 3), stop.signal);
        await beat();
        failures = 0;
      } catch (error) {
        if (stop.signal.aborted) return;
        failures++;
        onError(error as DiscoveryError);
      }
    }
  })();

  let closing: Promise<void> | undefined;
  return {
    id,
    checkId,
    get failures() {
      return failures;
    },
    close() {
      closing ??= (async () => {
        stop.abort(new DiscoveryError(name, 'closed'));
        await heartbeat;
        try {
          await call('deregistration', (q) => client.agent.service.deregister(q), { id }, null);
        } finally {
          release();
        }
      })();
      return closing;
    },
  };
}

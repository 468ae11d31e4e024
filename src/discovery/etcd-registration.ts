import type { Lease } from 'etcd3';
import { systemClock, type Clock } from '../core/clock.js';
import { ConfigError, DiscoveryError } from '../core/errors.js';
import { numberOption, readOptions, stringOption } from '../core/options.js';
import { systemRng, type Rng } from '../core/rng.js';
import { DEFAULTS } from '../defaults.js';
import { toEndpoint, type EndpointInput } from '../fleet/endpoint.js';
import { boundedCall } from './bounded-call.js';
import { etcdClientRef } from './etcd-client.js';
import { parseSessionBackoff, SessionLoop } from './session-loop.js';
import { firstOutcome } from '../core/first-outcome.js';

/** Options of {@link registerEtcd}. */
export interface EtcdRegistrationOptions {
  /** An `Etcd3` client (from the `etcd3` package). Give this or `hosts`; the caller closes it. */
  client?: import('etcd3').Etcd3;
  /** etcd URLs; the registration makes its own client (loading `etcd3` on first use) and closes it. */
  hosts?: string | string[];
  /** The key to write, e.g. `/services/payments/instance-7` (under the prefix `etcdDiscovery` watches). */
  key: string;
  /** This instance: a URL or `{ url, id?, weight?, zone?, tags? }`, written as JSON. */
  endpoint: EndpointInput;
  /** Lease TTL in seconds (default 10): how long the key outlives this process if it dies without closing. */
  ttl?: number;
  /** Time allowed to grant the lease and write the key, and to revoke it on close (ms, default 5 000). */
  timeoutMs?: number;
  /** Backoff (ms) before a lost lease is re-created (the discovery base's defaults). */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Told of every failure (a lease lost, etcd unreachable); the registration retries by itself. */
  onError?: (error: unknown) => void;
  /** Clock of timeouts and backoff (default: the system clock). */
  clock?: Clock;
  /** Random source of the backoff jitter (default: `Math.random`). */
  rng?: Rng;
}

/** A service instance registered in etcd. */
export interface EtcdRegistration {
  /** Resolves once the key is written under a live lease; rejects with the first failure (retrying goes on). */
  ready(): Promise<void>;
  /** Whether the key is written under a lease etcd keeps alive, as far as this process knows. */
  readonly registered: boolean;
  /** Stops the keep-alive and revokes the lease, which deletes the key (bounded by `timeoutMs`). */
  close(): Promise<void>;
}

/**
 * Registers this instance in etcd: the key holds the endpoint as JSON, attached to a lease of
 * `ttl` seconds that `etcd3` keeps alive. When the lease is lost (etcd was away longer than the
 * TTL, or the lease was revoked) a new lease is granted and the key written again, after a
 * jittered backoff. `close()` revokes the lease, so watchers see the instance leave at once.
 *
 * @example
 * const registration = registerEtcd({ client, key: '/services/payments/' + process.pid, endpoint: 'http://10.0.0.7:8080', ttl: 10 });
 * await registration.ready();
 * process.on('SIGTERM', () => void registration.close());
 */
export function registerEtcd(options: EtcdRegistrationOptions): EtcdRegistration {
  const o = readOptions(options, '', ['client', 'hosts', 'key', 'endpoint', 'ttl', 'timeoutMs', 'backoff', 'onError', 'clock', 'rng'] as const);
  const key = stringOption(o.key, 'key');
  const value = JSON.stringify(serialized(o.endpoint as EndpointInput));
  const ttl = numberOption(o.ttl, 'ttl', 10, { min: 1, integer: true });
  const timeoutMs = numberOption(o.timeoutMs, 'timeoutMs', DEFAULTS.discovery.pollTimeoutMs, { min: 1 });
  if (o.onError !== undefined && typeof o.onError !== 'function') throw new ConfigError('onError', o.onError, 'a function (error) => void');
  const onError = (o.onError as ((error: unknown) => void) | undefined) ?? (() => {});
  const clock = (o.clock as Clock | undefined) ?? systemClock;
  const ref = etcdClientRef(o.client, o.hosts);
  const name = `etcd registration ${key}`;
  let registered = false;
  const { promise: ready, settle } = firstOutcome();

  const loop: SessionLoop = new SessionLoop({
    backoff: parseSessionBackoff(o.backoff, 'backoff'),
    clock,
    rng: (o.rng as Rng | undefined) ?? systemRng,
    onFailure(error) {
      registered = false;
      const wrapped = error instanceof DiscoveryError ? error : new DiscoveryError(name, error instanceof Error ? error.message : String(error), { cause: error });
      settle(wrapped);
      onError(wrapped);
    },
    async run(signal) {
      const client = await ref.get();
      const lease: Lease = client.lease(ttl, { autoKeepAlive: true });
      const lost = new Promise<never>((_resolve, reject) => lease.on('lost', reject));
      lost.catch(() => {});
      try {
        await boundedCall(clock, signal, timeoutMs, () => new DiscoveryError(name, `granting a lease and writing the key did not finish within ${timeoutMs} ms`), () =>
          Promise.race([lease.put(key).value(value).exec(), lost]),
        );
        registered = true;
        loop.reset();
        settle();
        await Promise.race([lost, new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))]);
      } finally {
        registered = false;
        if (signal.aborted) {
          await boundedCall(clock, new AbortController().signal, timeoutMs, () => new DiscoveryError(name, `revoking the lease did not finish within ${timeoutMs} ms`), () => lease.revoke()).catch(
            (error: unknown) => onError(error),
          );
        } else {
          lease.release();
        }
      }
    },
  });
  loop.start();
  return {
    ready: () => ready,
    get registered() {
      return registered;
    },
    async close() {
      settle(new DiscoveryError(name, 'closed before the key was written'));
      await loop.close(new DiscoveryError(name, 'closed'));
      ref.close();
    },
  };
}

/** The endpoint as JSON, validated now so a bad one throws where it was written. */
function serialized(input: EndpointInput): Record<string, unknown> {
  const e = toEndpoint(input, 'endpoint');
  const out: Record<string, unknown> = { url: e.url };
  if (typeof input === 'object' && input.id !== undefined) out.id = e.id;
  if (e.weight !== 1) out.weight = e.weight;
  if (e.zone !== undefined) out.zone = e.zone;
  if (Object.keys(e.tags).length > 0) out.tags = e.tags;
  return out;
}

import { ConfigError } from '../core/errors.js';
import { numberOption, readOptions } from '../core/options.js';
import { DEFAULTS } from '../defaults.js';
import type { EndpointInput } from '../fleet/endpoint.js';
import { createDiscovery, type DiscoveryBaseOptions, type ManagedDiscovery } from './managed-discovery.js';

/** One poll's answer. */
export interface PollResult {
  /** The whole set (an array keyed by position, or `[key, endpoint]` pairs). */
  endpoints: readonly EndpointInput[] | Iterable<readonly [key: string, endpoint: EndpointInput]>;
  /** How long the answer is good for (ms), e.g. a DNS TTL; clamped to `[minRefreshMs, maxRefreshMs]`. Default `refreshMs`. */
  ttlMs?: number;
}

/** Options of {@link pollingDiscovery}. */
export interface PollingDiscoveryOptions extends Omit<DiscoveryBaseOptions, 'run'> {
  /** Reads the registry once; `signal` aborts on timeout or close. */
  poll: (signal: AbortSignal) => Promise<PollResult>;
  /** Refresh interval (ms) when a poll gives no TTL (default 30 000). */
  refreshMs?: number;
  /** Shortest refresh interval (ms) a TTL can ask for (default 1 000). */
  minRefreshMs?: number;
  /** Longest refresh interval (ms) a TTL can ask for (default 300 000). */
  maxRefreshMs?: number;
  /** Time allowed for one poll (ms, default 5 000); a slower poll is a failure. */
  timeoutMs?: number;
}

/**
 * A provider that polls its registry: each poll replaces the set and the next one runs after the
 * answer's TTL (clamped), or `refreshMs`. A failed or timed-out poll keeps the last good set and
 * is retried with the base's jittered backoff.
 */
export function pollingDiscovery(options: PollingDiscoveryOptions): ManagedDiscovery {
  const o = readOptions(options, '', ['name', 'poll', 'refreshMs', 'minRefreshMs', 'maxRefreshMs', 'timeoutMs', 'backoff', 'clock', 'rng'] as const);
  if (typeof o.poll !== 'function') throw new ConfigError('poll', o.poll, 'a function (signal) => Promise<{ endpoints, ttlMs? }>');
  const poll = o.poll as PollingDiscoveryOptions['poll'];
  const minMs = numberOption(o.minRefreshMs, 'minRefreshMs', DEFAULTS.discovery.minRefreshMs, { min: 1 });
  const maxMs = numberOption(o.maxRefreshMs, 'maxRefreshMs', Math.max(minMs, DEFAULTS.discovery.maxRefreshMs), { min: minMs });
  const refreshMs = numberOption(o.refreshMs, 'refreshMs', Math.min(maxMs, Math.max(minMs, DEFAULTS.discovery.refreshMs)), { min: minMs, max: maxMs });
  const timeoutMs = numberOption(o.timeoutMs, 'timeoutMs', DEFAULTS.discovery.pollTimeoutMs, { min: 1 });
  const name = o.name as string;
  return createDiscovery({
    name,
    backoff: o.backoff as DiscoveryBaseOptions['backoff'],
    clock: o.clock as DiscoveryBaseOptions['clock'],
    rng: o.rng as DiscoveryBaseOptions['rng'],
    async run(session) {
      for (;;) {
        const result = await session.within('poll', timeoutMs, poll);
        session.replace(result.endpoints);
        const ttl = typeof result.ttlMs === 'number' && Number.isFinite(result.ttlMs) ? result.ttlMs : refreshMs;
        await session.sleep(Math.min(maxMs, Math.max(minMs, ttl)));
      }
    },
  });
}

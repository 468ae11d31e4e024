import { ConfigError } from '../core/errors.js';
import { numberOption, readOptions } from '../core/options.js';
import { DEFAULTS } from '../defaults.js';
import type { TokenSource } from './token-source.js';

/**
 * Client-side rate limit (`createClient({ limiter })`, off by default): a token bucket that every
 * attempt actually sent (retries and hedges included) takes a token from. Give `rate` for a bucket
 * of this client's own, or `source` for tokens shared with others (a `SharedQuota` across
 * processes, a `BottleneckLease`).
 */
export type LimiterOptions = LocalLimiterOptions | SourceLimiterOptions;

/** `limiter: { rate, burst, maxWait }`: a token bucket of this client's own. */
export interface LocalLimiterOptions {
  /** Tokens per second (required, > 0). */
  rate: number;
  /** Most tokens held at once (default: `rate`, one second's worth, at least 1). */
  burst?: number;
  /** Longest wait for a token in ms before failing with `RateLimitedError` (default 0: fail at once). */
  maxWait?: number;
}

/** `limiter: { source, maxWait }`: tokens from a source shared with others. */
export interface SourceLimiterOptions {
  /** Where tokens come from, e.g. `sharedQuota(...)` or `bottleneckLease(...)`; the caller closes it. */
  source: TokenSource;
  /** Longest wait for a token in ms before failing with `RateLimitedError` (default 0: fail at once). */
  maxWait?: number;
}

/** Validated limiter settings: a bucket to build (`rate`, `burst`) or a given `source`. */
export interface LimiterSettings {
  readonly rate: number;
  readonly burst: number;
  readonly maxWait: number;
  readonly source?: TokenSource | undefined;
}

/**
 * Validates the `limiter` option: `false` or `undefined` turns the limiter off.
 * @throws ConfigError naming the option and the bad value
 */
export function parseLimiterOptions(value: unknown, option = 'limiter'): LimiterSettings | false {
  if (value === false || value === undefined) return false;
  const o = readOptions(value, option, ['rate', 'burst', 'maxWait', 'source'] as const);
  const maxWait = numberOption(o.maxWait, `${option}.maxWait`, DEFAULTS.limiter.maxWait, { allowInfinity: true });
  if (o.source !== undefined) {
    const source = o.source as Partial<TokenSource>;
    if (o.rate !== undefined || o.burst !== undefined) throw new ConfigError(`${option}.source`, o.source, 'either source or rate/burst, not both');
    for (const method of ['tryAcquire', 'waitTime', 'reserve', 'refund'] as const) {
      if (typeof source?.[method] !== 'function') throw new ConfigError(`${option}.source`, o.source, 'a TokenSource with tryAcquire(), waitTime(), reserve() and refund()');
    }
    return { rate: 0, burst: 0, maxWait, source: source as TokenSource };
  }
  if (o.rate === undefined) throw new ConfigError(`${option}.rate`, undefined, 'a number of tokens per second > 0');
  const rate = numberOption(o.rate, `${option}.rate`, 0);
  if (rate <= 0) throw new ConfigError(`${option}.rate`, rate, 'a number of tokens per second > 0');
  return {
    rate,
    burst: numberOption(o.burst, `${option}.burst`, Math.max(1, rate), { min: 1 }),
    maxWait,
    source: undefined,
  };
}

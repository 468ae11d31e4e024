import { ConfigError } from '../core/errors.js';
import { numberOption, readOptions } from '../core/options.js';
import { DEFAULTS } from '../defaults.js';
import type { BackoffSettings } from './backoff.js';
import type { RetryBudgetSettings } from './retry-budget.js';
import { isRetryableError } from './retryable.js';

/**
 * A retry budget: retries ≤ `ratio` × requests + `minPerSecond` × window seconds, over a sliding
 * window (Finagle's `RetryBudget`; defaults 20 %, 10/s, 10 s).
 */
export interface RetryBudgetOptions {
  /** Retries allowed per request (default 0.2: an outage adds at most 20 % load). */
  ratio?: number;
  /** Retries allowed per second whatever the traffic, so a quiet client can retry (default 10). */
  minPerSecond?: number;
  /** Length of the sliding window in ms (default 10 000). */
  window?: number;
}

/** Exponential backoff with full jitter: retry `n` waits uniformly in `[0, min(max, initial × multiplier^n))` ms. */
export interface BackoffOptions {
  /** Ceiling of the first retry's delay in ms (default 25, Envoy's base interval). */
  initial?: number;
  /** Largest ceiling in ms (default 250, Envoy's 10 × base). */
  max?: number;
  /** Growth of the ceiling per retry (default 2). */
  multiplier?: number;
}

/**
 * Retry options (`createClient({ retry })`). Only calls safe to repeat are retried: RFC 9110
 * idempotent methods, requests with an `Idempotency-Key` header, or `idempotent: true` per call.
 * Any other call is retried only when its request provably never left (the connection was refused
 * or failed before a byte was written, its wait for a connection timed out, or the circuit was
 * open), as gRPC's transparent retry does. A one-shot stream body is never resent.
 */
export interface RetryOptions {
  /** Retries after the first attempt (default 2). */
  retries?: number;
  /** Reply statuses that are retried (default 429, 502, 503, 504). */
  statuses?: readonly number[];
  /** Which errors are retried (default: connection errors, attempt timeouts, an open circuit). */
  isRetryableError?: (error: unknown) => boolean;
  /** Backoff between attempts (a `Retry-After` header replaces it). */
  backoff?: BackoffOptions;
  /** Longest `Retry-After` honoured, in ms (default 10 000); a longer one is not retried. */
  maxRetryAfter?: number;
  /** A retry starts only if at least this much of the total deadline (ms) remains after its wait (default 10). */
  minAttemptTime?: number;
  /** The retry budget, or `false` for none (default 20 % of requests + 10/s over 10 s). */
  budget?: RetryBudgetOptions | false;
}

/** Validated retry settings. */
export interface RetrySettings {
  readonly retries: number;
  readonly statuses: ReadonlySet<number>;
  readonly isRetryableError: (error: unknown) => boolean;
  readonly backoff: BackoffSettings;
  readonly maxRetryAfter: number;
  readonly minAttemptTime: number;
  readonly budget: RetryBudgetSettings | false;
}

/**
 * A list of HTTP status codes (integers 100–599), or `fallback` when undefined.
 * @throws ConfigError naming the option (and the index of a bad entry)
 */
export function statusesOption(value: unknown, option: string, fallback: readonly number[]): ReadonlySet<number> {
  if (value === undefined) return new Set(fallback);
  if (!Array.isArray(value)) throw new ConfigError(option, value, 'an array of HTTP status codes');
  value.forEach((status, i) => numberOption(status, `${option}[${i}]`, 0, { min: 100, max: 599, integer: true }));
  return new Set(value as number[]);
}

/**
 * A function, or `fallback` when undefined.
 * @throws ConfigError naming the option
 */
export function functionOption<F extends (...args: never[]) => unknown>(value: unknown, option: string, fallback: F, expected: string): F {
  if (value === undefined) return fallback;
  if (typeof value !== 'function') throw new ConfigError(option, value, expected);
  return value as F;
}

/**
 * Validates budget options at `option` (`retry.budget`, `hedge.budget`) over `defaults`.
 * @throws ConfigError naming the option and the bad value
 */
export function parseBudgetOptions(value: unknown, option: string, defaults: RetryBudgetSettings): RetryBudgetSettings {
  const o = readOptions(value, option, ['ratio', 'minPerSecond', 'window'] as const);
  return {
    ratio: numberOption(o.ratio, `${option}.ratio`, defaults.ratio),
    minPerSecond: numberOption(o.minPerSecond, `${option}.minPerSecond`, defaults.minPerSecond),
    windowMs: numberOption(o.window, `${option}.window`, defaults.windowMs, { min: 10 }),
  };
}

const RETRY_KEYS = ['retries', 'statuses', 'isRetryableError', 'backoff', 'maxRetryAfter', 'minAttemptTime', 'budget'] as const satisfies readonly (keyof RetryOptions)[];

/**
 * Validates the `retry` option: `false` turns retries off, `undefined` gives the defaults.
 * @throws ConfigError naming the option and the bad value
 */
export function parseRetryOptions(value: unknown, option = 'retry'): RetrySettings | false {
  if (value === false) return false;
  const d = DEFAULTS.retry;
  const o = value === undefined ? {} : readOptions(value, option, RETRY_KEYS);
  const b = o.backoff === undefined ? {} : readOptions(o.backoff, `${option}.backoff`, ['initial', 'max', 'multiplier'] as const);
  const initial = numberOption(b.initial, `${option}.backoff.initial`, d.backoff.initial);
  const max = numberOption(b.max, `${option}.backoff.max`, Math.max(d.backoff.max, initial));
  if (max < initial) throw new ConfigError(`${option}.backoff.max`, max, `a number >= backoff.initial (${initial})`);
  return {
    retries: numberOption(o.retries, `${option}.retries`, d.retries, { integer: true, max: 100 }),
    statuses: statusesOption(o.statuses, `${option}.statuses`, d.statuses),
    isRetryableError: functionOption(o.isRetryableError, `${option}.isRetryableError`, isRetryableError, 'a (error) => boolean function'),
    backoff: { initial, max, multiplier: numberOption(b.multiplier, `${option}.backoff.multiplier`, d.backoff.multiplier, { min: 1 }) },
    maxRetryAfter: numberOption(o.maxRetryAfter, `${option}.maxRetryAfter`, d.maxRetryAfter),
    minAttemptTime: numberOption(o.minAttemptTime, `${option}.minAttemptTime`, d.minAttemptTime),
    budget: o.budget === false ? false : parseBudgetOptions(o.budget ?? {}, `${option}.budget`, d.budget),
  };
}

/** Settings of a retry layer that only hedges (`retry: false` with `hedge` on): no retries, no budget. */
export function noRetrySettings(): RetrySettings {
  return { ...(parseRetryOptions(undefined) as RetrySettings), retries: 0, budget: false };
}

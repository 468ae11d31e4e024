import { ConfigError } from '../core/errors.js';
import { numberOption, readOptions } from '../core/options.js';
import { DEFAULTS } from '../defaults.js';

/**
 * Client-side rate limit (`createClient({ limiter })`, off by default): a token bucket that every
 * attempt actually sent (retries and hedges included) takes a token from.
 */
export interface LimiterOptions {
  /** Tokens per second (required, > 0). */
  rate: number;
  /** Most tokens held at once (default: `rate`, one second's worth, at least 1). */
  burst?: number;
  /** Longest wait for a token in ms before failing with `RateLimitedError` (default 0: fail at once). */
  maxWait?: number;
}

/** Validated limiter settings. */
export interface LimiterSettings {
  readonly rate: number;
  readonly burst: number;
  readonly maxWait: number;
}

/**
 * Validates the `limiter` option: `false` or `undefined` turns the limiter off.
 * @throws ConfigError naming the option and the bad value
 */
export function parseLimiterOptions(value: unknown, option = 'limiter'): LimiterSettings | false {
  if (value === false || value === undefined) return false;
  const o = readOptions(value, option, ['rate', 'burst', 'maxWait'] as const);
  if (o.rate === undefined) throw new ConfigError(`${option}.rate`, undefined, 'a number of tokens per second > 0');
  const rate = numberOption(o.rate, `${option}.rate`, 0);
  if (rate <= 0) throw new ConfigError(`${option}.rate`, rate, 'a number of tokens per second > 0');
  return {
    rate,
    burst: numberOption(o.burst, `${option}.burst`, Math.max(1, rate), { min: 1 }),
    maxWait: numberOption(o.maxWait, `${option}.maxWait`, DEFAULTS.limiter.maxWait, { allowInfinity: true }),
  };
}

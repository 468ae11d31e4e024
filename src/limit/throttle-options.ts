import { numberOption, readOptions } from '../core/options.js';
import { DEFAULTS } from '../defaults.js';
import type { AdaptiveThrottleSettings } from './adaptive-throttle.js';

/**
 * Client-side adaptive throttling (`createClient({ throttle })`, off by default; Google SRE book):
 * attempts are rejected locally with probability max(0, (requests − K·accepts) / (requests + 1))
 * over a rolling window, failing with `ThrottledError`.
 */
export interface ThrottleOptions {
  /** The multiplier K (> 1 sends more than the service accepts, to keep probing it; default 2). */
  k?: number;
  /** Length of the rolling window in ms (default 120 000, the book's two minutes). */
  windowMs?: number;
}

/**
 * Validates the `throttle` option: `false` or `undefined` turns it off, `true` takes the defaults.
 * @throws ConfigError naming the option and the bad value
 */
export function parseThrottleOptions(value: unknown, option = 'throttle'): AdaptiveThrottleSettings | false {
  if (value === false || value === undefined) return false;
  const o = value === true ? {} : readOptions(value, option, ['k', 'windowMs'] as const);
  return {
    k: numberOption(o.k, `${option}.k`, DEFAULTS.throttle.k, { min: 1 }),
    windowMs: numberOption(o.windowMs, `${option}.windowMs`, DEFAULTS.throttle.windowMs, { min: 1 }),
  };
}

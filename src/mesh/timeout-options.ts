import type { CallTimeout } from '../core/call.js';
import { DEFAULTS } from '../defaults.js';
import { numberOption, readOptions } from '../core/options.js';

/** Per-attempt and per-call time limits, in milliseconds. */
export interface TimeoutOptions {
  /** Time for one attempt to connect and receive response headers (default 10 000 ms). */
  attempt?: number;
  /**
   * Time for the whole call, every attempt and wait included, up to the last byte of the response
   * body (default 30 000 ms; `Infinity` for none). A body still being read at the deadline errors
   * with a `TimeoutError` of kind `'total'`.
   */
  total?: number;
  /**
   * Time to read the response body, from its headers to its last byte (default `Infinity`: only
   * `total` bounds it). A body still being read then errors with a `TimeoutError` of kind `'body'`.
   */
  body?: number;
}

/** Validated time limits (ms), as each call carries them (`call.timeout`). */
export type TimeoutSettings = CallTimeout;

/**
 * Validates a `timeout` option at `option`; limits not given take `defaults`.
 * @throws ConfigError naming the option and the bad value
 */
export function parseTimeoutOptions(value: unknown, option: string, defaults: TimeoutSettings = { attempt: DEFAULTS.attemptTimeoutMs, total: DEFAULTS.totalTimeoutMs, body: Infinity }): TimeoutSettings {
  const o = value === undefined ? {} : readOptions(value, option, ['attempt', 'total', 'body'] as const);
  return Object.freeze({
    attempt: numberOption(o.attempt, `${option}.attempt`, defaults.attempt, { min: 1 }),
    total: numberOption(o.total, `${option}.total`, defaults.total, { min: 1, allowInfinity: true }),
    body: numberOption(o.body, `${option}.body`, defaults.body, { min: 1, allowInfinity: true }),
  });
}

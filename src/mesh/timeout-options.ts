import type { CallTimeout } from '../core/call.js';
import { DEFAULTS } from '../defaults.js';
import { numberOption, readOptions } from '../core/options.js';

/** Per-attempt and per-call time limits, in milliseconds. */
export interface TimeoutOptions {
  /** Time for one attempt to connect and receive response headers (default 10 000 ms). */
  attempt?: number;
  /** Time for the whole call, every attempt and wait included (default 30 000 ms; `Infinity` for none). */
  total?: number;
}

/** Validated time limits (ms), as each call carries them (`call.timeout`). */
export type TimeoutSettings = CallTimeout;

/**
 * Validates a `timeout` option at `option`; limits not given take `defaults`.
 * @throws ConfigError naming the option and the bad value
 */
export function parseTimeoutOptions(value: unknown, option: string, defaults: TimeoutSettings = { attempt: DEFAULTS.attemptTimeoutMs, total: DEFAULTS.totalTimeoutMs }): TimeoutSettings {
  const o = value === undefined ? {} : readOptions(value, option, ['attempt', 'total'] as const);
  return Object.freeze({
    attempt: numberOption(o.attempt, `${option}.attempt`, defaults.attempt, { min: 1 }),
    total: numberOption(o.total, `${option}.total`, defaults.total, { min: 1, allowInfinity: true }),
  });
}

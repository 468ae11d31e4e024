import { numberOption, readOptions } from '../core/options.js';
import { DEFAULTS } from '../defaults.js';

/** Bulkhead options (`createClient({ bulkhead })`, off by default): a cap on concurrent calls with a bounded queue. */
export interface BulkheadOptions {
  /** Calls in flight at once (default 100). */
  maxConcurrent?: number;
  /** Calls waiting for a slot (default 0: fail at once when full). */
  maxQueue?: number;
}

/** Validated bulkhead settings. */
export interface BulkheadSettings {
  readonly maxConcurrent: number;
  readonly maxQueue: number;
}

/**
 * Validates the `bulkhead` option: `false` or `undefined` turns it off.
 * @throws ConfigError naming the option and the bad value
 */
export function parseBulkheadOptions(value: unknown, option = 'bulkhead'): BulkheadSettings | false {
  if (value === false || value === undefined) return false;
  const o = readOptions(value, option, ['maxConcurrent', 'maxQueue'] as const);
  return {
    maxConcurrent: numberOption(o.maxConcurrent, `${option}.maxConcurrent`, DEFAULTS.bulkhead.maxConcurrent, { min: 1, integer: true }),
    maxQueue: numberOption(o.maxQueue, `${option}.maxQueue`, DEFAULTS.bulkhead.maxQueue, { integer: true }),
  };
}

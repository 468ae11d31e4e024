import { numberOption, readOptions } from '../core/options.js';
import { slowStartOption, type SlowStart, type SlowStartOptions } from '../fleet/slow-start.js';

/** Options of the balancers that use endpoint weights: weighted round-robin, p2c and peak-EWMA. */
export interface WeightedBalancerOptions {
  /** Ramp the weight of endpoints that just joined (default: no slow start, as in Envoy). */
  slowStart?: SlowStartOptions;
}

/** Options of the balancers that scan for the least loaded endpoint: least-request and least-response-time. */
export interface ScanningBalancerOptions extends WeightedBalancerOptions {
  /**
   * Most endpoints one pick examines (default 128, an integer >= 2 or `Infinity`). A fleet up to
   * this size is scanned in full, starting where the previous pick started plus one, so ties go
   * round-robin; a larger fleet is sampled: the scan covers `maxScan` consecutive members from a
   * random start. `Infinity` always scans everything, at O(n) per pick.
   */
  maxScan?: number;
}

/** Default of {@link ScanningBalancerOptions.maxScan}: about 1 µs of least-request scanning (`npm run bench:pick`). */
const DEFAULT_MAX_SCAN = 128;

/** Validated {@link WeightedBalancerOptions}. */
export interface WeightedSettings {
  readonly slowStart: SlowStart | undefined;
}

/** Validated {@link ScanningBalancerOptions}. */
export interface ScanningSettings extends WeightedSettings {
  readonly maxScan: number;
}

/**
 * Validates the options of the weighted balancer `name` (used as the option path in errors).
 * @throws ConfigError naming the option and the bad value
 */
export function weightedSettings(options: unknown, name: string): WeightedSettings {
  const o = readOptions(options ?? {}, name, ['slowStart'] as const);
  return { slowStart: slowStartOption(o.slowStart, `${name}.slowStart`) };
}

/**
 * Validates the options of the scanning balancer `name` (used as the option path in errors).
 * @throws ConfigError naming the option and the bad value
 */
export function scanningSettings(options: unknown, name: string): ScanningSettings {
  const o = readOptions(options ?? {}, name, ['slowStart', 'maxScan'] as const);
  return {
    slowStart: slowStartOption(o.slowStart, `${name}.slowStart`),
    maxScan: numberOption(o.maxScan, `${name}.maxScan`, DEFAULT_MAX_SCAN, { min: 2, integer: true, allowInfinity: true }),
  };
}

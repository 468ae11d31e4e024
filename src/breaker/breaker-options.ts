import { ConfigError } from '../core/errors.js';
import { booleanOption, numberOption, readOptions } from '../core/options.js';
import { DEFAULTS } from '../defaults.js';
import { functionOption } from '../retry/retry-options.js';

/**
 * Per-endpoint circuit breaker options (`createClient({ breaker })`, on by default). Each endpoint
 * gets a breaker on its first pick (opossum's trip rule over a rolling window, Hystrix-style);
 * while it is open the endpoint is ejected from the pickable set (outlier ejection, as Envoy's).
 */
export interface BreakerOptions {
  /** Failure percentage in the rolling window above which the breaker opens (default 50). */
  errorThresholdPercentage?: number;
  /** Time (ms) an open breaker waits before admitting probes (default 10 000). */
  resetTimeout?: number;
  /** Attempts in the rolling window before the breaker may open at all (default 10). */
  volumeThreshold?: number;
  /** Length of the rolling window (ms, default 10 000). */
  rollingCountTimeout?: number;
  /** Buckets the rolling window is cut into (default 10); it moves one bucket at a time. */
  rollingCountBuckets?: number;
  /** Probes a half-open breaker lets through at once (default 1). */
  halfOpenProbes?: number;
  /** Largest share (%) of the fleet that may be ejected at once (default 50, as Envoy's max-ejection-percent); at least one endpoint may always be ejected. */
  maxEjectionPercent?: number;
  /** When every endpoint is ejected, pick among all of them instead of failing (default true). */
  panic?: boolean;
  /** Which reply statuses count as failures (default: 500 and above; 4xx never do). */
  isFailureStatus?: (status: number) => boolean;
}

/** Validated breaker settings. */
export interface BreakerSettings {
  readonly errorThresholdPercentage: number;
  readonly resetTimeout: number;
  readonly volumeThreshold: number;
  readonly rollingCountTimeout: number;
  readonly rollingCountBuckets: number;
  readonly halfOpenProbes: number;
  readonly maxEjectionPercent: number;
  readonly panic: boolean;
  readonly isFailureStatus: (status: number) => boolean;
}

const BREAKER_KEYS = [
  'errorThresholdPercentage',
  'resetTimeout',
  'volumeThreshold',
  'rollingCountTimeout',
  'rollingCountBuckets',
  'halfOpenProbes',
  'maxEjectionPercent',
  'panic',
  'isFailureStatus',
] as const satisfies readonly (keyof BreakerOptions)[];

/** The default failure classification: 5xx replies are the endpoint's failures, 4xx are the caller's. */
export const isServerError = (status: number): boolean => status >= 500;

/**
 * Validates the `breaker` option: `false` turns breakers off, `undefined` gives the defaults.
 * @throws ConfigError naming the option and the bad value
 */
export function parseBreakerOptions(value: unknown, option = 'breaker'): BreakerSettings | false {
  if (value === false) return false;
  const d = DEFAULTS.breaker;
  const o = value === undefined ? {} : readOptions(value, option, BREAKER_KEYS);
  const rollingCountTimeout = numberOption(o.rollingCountTimeout, `${option}.rollingCountTimeout`, d.rollingCountTimeout, { min: 10, integer: true });
  const rollingCountBuckets = numberOption(o.rollingCountBuckets, `${option}.rollingCountBuckets`, d.rollingCountBuckets, { min: 1, integer: true });
  if (rollingCountTimeout % rollingCountBuckets !== 0) {
    throw new ConfigError(`${option}.rollingCountBuckets`, rollingCountBuckets, `a divisor of rollingCountTimeout (${rollingCountTimeout})`);
  }
  return {
    errorThresholdPercentage: numberOption(o.errorThresholdPercentage, `${option}.errorThresholdPercentage`, d.errorThresholdPercentage, { max: 100 }),
    resetTimeout: numberOption(o.resetTimeout, `${option}.resetTimeout`, d.resetTimeout, { min: 1 }),
    volumeThreshold: numberOption(o.volumeThreshold, `${option}.volumeThreshold`, d.volumeThreshold, { integer: true }),
    rollingCountTimeout,
    rollingCountBuckets,
    halfOpenProbes: numberOption(o.halfOpenProbes, `${option}.halfOpenProbes`, d.halfOpenProbes, { min: 1, integer: true }),
    maxEjectionPercent: numberOption(o.maxEjectionPercent, `${option}.maxEjectionPercent`, d.maxEjectionPercent, { max: 100 }),
    panic: booleanOption(o.panic, `${option}.panic`, d.panic),
    isFailureStatus: functionOption(o.isFailureStatus, `${option}.isFailureStatus`, isServerError, 'a (status) => boolean function'),
  };
}

import type { AttemptOutcome } from '../core/attempt-outcome.js';
import { ConfigError, TimeoutError } from '../core/errors.js';
import { booleanOption, numberOption, readOptions } from '../core/options.js';
import { DEFAULTS } from '../defaults.js';
import { functionOption } from '../retry/retry-options.js';
import { isConnectionError } from '../retry/retryable.js';

/**
 * Per-endpoint circuit breaker options (`createClient({ breaker })`, on by default). Each endpoint
 * gets a breaker on its first pick (opossum's trip rule over a rolling window, Hystrix-style,
 * beside Envoy's consecutive-failure rules); while it is open the endpoint is ejected from the
 * pickable set (outlier ejection, as Envoy's).
 */
export interface BreakerOptions {
  /**
   * Consecutive failures (failure statuses, connection errors, timeouts) that open the breaker
   * whatever the window says, as Envoy's `consecutive_5xx`; `false` (or 0) turns the rule off (default 5).
   */
  consecutive5xx?: number | false;
  /**
   * Consecutive gateway failures (502, 503, 504, a refused or failed connection, a timeout) that
   * open the breaker, as Envoy's `consecutive_gateway_failure`; any other outcome resets the
   * count. It matters when `consecutive5xx` is higher or off (a service whose 500s are
   * application errors); `false` (or 0) turns it off (default 5).
   */
  consecutiveGatewayFailure?: number | false;
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
  /** 0 when the rule is off. */
  readonly consecutive5xx: number;
  /** 0 when the rule is off. */
  readonly consecutiveGatewayFailure: number;
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
  'consecutive5xx',
  'consecutiveGatewayFailure',
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

/** Statuses a gateway answers when the server behind it is down or overloaded (Envoy's gateway errors). */
const GATEWAY_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/**
 * Whether a failed attempt is a gateway failure, in Envoy's sense: a 502, 503 or 504, or no reply
 * at all because the connection was refused, reset or timed out.
 */
export function isGatewayFailure(outcome: AttemptOutcome): boolean {
  if (outcome.reply) return GATEWAY_STATUSES.has(outcome.reply.status);
  return outcome.error instanceof TimeoutError || isConnectionError(outcome.error);
}

/** A count of consecutive failures at `option`: a positive integer, `false` or 0 for off. */
function consecutiveOption(value: unknown, option: string, fallback: number): number {
  if (value === false) return 0;
  return numberOption(value, option, fallback, { integer: true });
}

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
    consecutive5xx: consecutiveOption(o.consecutive5xx, `${option}.consecutive5xx`, d.consecutive5xx),
    consecutiveGatewayFailure: consecutiveOption(o.consecutiveGatewayFailure, `${option}.consecutiveGatewayFailure`, d.consecutiveGatewayFailure),
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

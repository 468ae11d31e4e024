/**
 * One finished attempt, as a {@link ConcurrencyLimit} sees it.
 */
export interface LimitSample {
  /** Client clock time when the attempt ended (ms). */
  readonly now: number;
  /** Time from taking the slot to the reply's headers, or to the failure (ms). */
  readonly rttMs: number;
  /** Attempts in flight when this one started, itself included. */
  readonly inFlight: number;
  /** Whether the attempt showed overload: a timeout, a lost connection, or a 429 or 503 reply. */
  readonly dropped: boolean;
}

/**
 * A concurrency-limit algorithm (Netflix concurrency-limits' `Limit`): it watches finished
 * attempts and moves the number of attempts allowed in flight at once. The concurrency-limit
 * layer reads {@link ConcurrencyLimit.limit} before each attempt and sheds the attempt with
 * `ConcurrencyLimitedError` when that many are already in flight.
 *
 * Implementations are plain state machines on the samples they get: no timers, no clock reads,
 * so a test feeds samples and asserts the exact limit. Shipped: {@link aimdLimit},
 * {@link vegasLimit}, {@link gradient2Limit}, {@link fixedLimit}.
 */
export interface ConcurrencyLimit {
  /** Attempts allowed in flight now (an integer >= 1). */
  readonly limit: number;
  /** Records one finished attempt. */
  onSample(sample: LimitSample): void;
}

/** The algorithm names `concurrencyLimit.algorithm` accepts. */
export type ConcurrencyLimitAlgorithm = 'fixed' | 'aimd' | 'vegas' | 'gradient2';

/** `max(1, floor(log10(x)))`: the step size Netflix's Vegas limit uses (`Log10RootFunction`). */
export function log10Step(x: number): number {
  return Math.max(1, Math.floor(Math.log10(Math.max(1, x))));
}

import type { ConcurrencyLimit, LimitSample } from './concurrency-limit.js';

/** Settings of {@link aimdLimit}, validated (see `AimdLimitOptions` for the meaning and defaults). */
export interface AimdLimitSettings {
  readonly initialLimit: number;
  readonly minLimit: number;
  readonly maxLimit: number;
  readonly backoffRatio: number;
  readonly timeoutMs: number;
}

/**
 * Additive increase, multiplicative decrease (TCP Reno's congestion window; Netflix
 * concurrency-limits' `AIMDLimit`). A loss-based limit: it reacts to drops, not to latency.
 *
 * - a drop, or an RTT above `timeoutMs`: `limit = max(minLimit, min(limit - 1, floor(limit × backoffRatio)))`
 * - otherwise, if the limit is in use (`inFlight × 2 >= limit`): `limit = min(maxLimit, limit + 1)`
 * - otherwise (the caller is not using the limit): unchanged, so the limit does not drift upward
 */
export function aimdLimit(settings: AimdLimitSettings): ConcurrencyLimit {
  return new AimdLimit(settings);
}

class AimdLimit implements ConcurrencyLimit {
  readonly #s: AimdLimitSettings;
  limit: number;

  constructor(settings: AimdLimitSettings) {
    this.#s = settings;
    this.limit = settings.initialLimit;
  }

  onSample(sample: LimitSample): void {
    const { minLimit, maxLimit, backoffRatio, timeoutMs } = this.#s;
    if (sample.dropped || sample.rttMs > timeoutMs) {
      this.limit = Math.max(minLimit, Math.min(this.limit - 1, Math.floor(this.limit * backoffRatio)));
    } else if (sample.inFlight * 2 >= this.limit) {
      this.limit = Math.min(maxLimit, this.limit + 1);
    }
  }
}

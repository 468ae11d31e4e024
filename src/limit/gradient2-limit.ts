import type { ConcurrencyLimit, LimitSample } from './concurrency-limit.js';

/** Settings of {@link gradient2Limit}, validated (see `Gradient2LimitOptions` for the meaning and defaults). */
export interface Gradient2LimitSettings {
  readonly initialLimit: number;
  readonly minLimit: number;
  readonly maxLimit: number;
  readonly smoothing: number;
  readonly queueSize: number;
  readonly longWindow: number;
}

/** Samples averaged plainly before the long-term RTT switches to exponential smoothing. */
const WARMUP_SAMPLES = 10;

/**
 * Netflix concurrency-limits' `Gradient2Limit`: compares the latest RTT with a long-term
 * exponential average of RTTs (window `longWindow` samples, factor 2 / (longWindow + 1), a plain
 * mean over the first 10) and shrinks the limit in proportion to how much latency has risen:
 *
 *     gradient = max(0.5, min(1, longRtt / rtt))
 *     new      = limit × gradient + queueSize
 *     limit    = clamp((1 − smoothing) × limit + smoothing × new, minLimit, maxLimit)
 *
 * When latency is at its baseline the limit grows by `smoothing × queueSize` per sample; when it
 * doubles, the limit falls towards half. The average rather than the minimum is the baseline,
 * which Netflix found less biased towards an unrealistically low RTT. When the long-term RTT is
 * more than twice the latest (load has gone), it is cut by 10 % per sample so the limit recovers
 * sooner. Nothing changes while the caller uses under half the limit.
 */
export function gradient2Limit(settings: Gradient2LimitSettings): ConcurrencyLimit {
  return new Gradient2Limit(settings);
}

class Gradient2Limit implements ConcurrencyLimit {
  readonly #s: Gradient2LimitSettings;
  readonly #factor: number;
  #estimate: number;
  #longRtt = 0;
  #longSum = 0;
  #longCount = 0;

  constructor(settings: Gradient2LimitSettings) {
    this.#s = settings;
    this.#factor = 2 / (settings.longWindow + 1);
    this.#estimate = settings.initialLimit;
  }

  get limit(): number {
    return Math.max(1, Math.floor(this.#estimate));
  }

  /** The long-term RTT average (ms; 0 before the first sample). */
  get longRtt(): number {
    return this.#longRtt;
  }

  onSample({ rttMs, inFlight }: LimitSample): void {
    if (!(rttMs > 0)) return;
    if (this.#longCount < WARMUP_SAMPLES) {
      this.#longCount++;
      this.#longSum += rttMs;
      this.#longRtt = this.#longSum / this.#longCount;
    } else {
      this.#longRtt = this.#longRtt * (1 - this.#factor) + rttMs * this.#factor;
    }
    const longRtt = this.#longRtt;
    if (longRtt / rttMs > 2) this.#longRtt *= 0.9;
    const estimate = this.#estimate;
    if (inFlight < estimate / 2) return;
    const gradient = Math.max(0.5, Math.min(1, longRtt / rttMs));
    const next = estimate * gradient + this.#s.queueSize;
    const smoothed = estimate * (1 - this.#s.smoothing) + next * this.#s.smoothing;
    this.#estimate = Math.max(this.#s.minLimit, Math.min(this.#s.maxLimit, smoothed));
  }
}

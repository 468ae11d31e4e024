import type { Rng } from '../core/rng.js';
import { log10Step, type ConcurrencyLimit, type LimitSample } from './concurrency-limit.js';

/** Settings of {@link vegasLimit}, validated (see `VegasLimitOptions` for the meaning and defaults). */
export interface VegasLimitSettings {
  readonly initialLimit: number;
  readonly minLimit: number;
  readonly maxLimit: number;
  readonly smoothing: number;
  readonly probeMultiplier: number;
}

/**
 * A delay-based limit after TCP Vegas (Brakmo and Peterson, 1994), as Netflix concurrency-limits'
 * `VegasLimit`. It keeps the smallest RTT seen as the no-load RTT and estimates the queue the
 * current limit builds at the server:
 *
 *     queue = ceil(limit × (1 − rttNoLoad / rtt))
 *
 * With `step = max(1, floor(log10(limit)))`, `alpha = 3·step`, `beta = 6·step`:
 * a drop gives `limit − step`; a queue <= `step` gives `limit + beta` (no queueing: grow fast);
 * a queue < `alpha` gives `limit + step`; a queue > `beta` gives `limit − step`; otherwise the
 * limit stays. The new value is clamped to [minLimit, maxLimit] and smoothed:
 * `limit = (1 − smoothing) × limit + smoothing × new`. As in Netflix's, nothing changes while the
 * caller uses under half the limit, and every `probeMultiplier × limit` samples (jittered by
 * 0.5-1 with the injected RNG) the no-load RTT is reset to the current RTT, so it can rise when
 * the service's baseline does.
 */
export function vegasLimit(settings: VegasLimitSettings, rng: Rng): ConcurrencyLimit {
  return new VegasLimit(settings, rng);
}

class VegasLimit implements ConcurrencyLimit {
  readonly #s: VegasLimitSettings;
  readonly #rng: Rng;
  #estimate: number;
  #rttNoLoad = 0;
  #probeCount = 0;
  #probeJitter: number;

  constructor(settings: VegasLimitSettings, rng: Rng) {
    this.#s = settings;
    this.#rng = rng;
    this.#estimate = settings.initialLimit;
    this.#probeJitter = this.#jitter();
  }

  get limit(): number {
    return Math.max(1, Math.floor(this.#estimate));
  }

  /** The no-load RTT estimate (ms; 0 before the first sample). */
  get rttNoLoad(): number {
    return this.#rttNoLoad;
  }

  onSample({ rttMs, inFlight, dropped }: LimitSample): void {
    if (!(rttMs > 0)) return;
    this.#probeCount++;
    if (this.#probeJitter * this.#s.probeMultiplier * this.#estimate <= this.#probeCount) {
      this.#probeJitter = this.#jitter();
      this.#probeCount = 0;
      this.#rttNoLoad = rttMs;
      return;
    }
    if (this.#rttNoLoad === 0 || rttMs < this.#rttNoLoad) {
      this.#rttNoLoad = rttMs;
      return;
    }
    const estimate = this.#estimate;
    const step = log10Step(estimate);
    const queue = Math.ceil(estimate * (1 - this.#rttNoLoad / rttMs));
    let next: number;
    if (dropped) next = estimate - step;
    else if (inFlight * 2 < estimate) return;
    else if (queue <= step) next = estimate + 6 * step;
    else if (queue < 3 * step) next = estimate + step;
    else if (queue > 6 * step) next = estimate - step;
    else return;
    next = Math.max(this.#s.minLimit, Math.min(this.#s.maxLimit, next));
    this.#estimate = (1 - this.#s.smoothing) * estimate + this.#s.smoothing * next;
  }

  #jitter(): number {
    return 0.5 + 0.5 * this.#rng.next();
  }
}

/**
 * A peak-sensitive, time-decayed moving average of latency, as in Finagle's `PeakEwma`
 * (and linkerd2-proxy's `PeakEwma`): a sample above the current cost replaces it at once (the
 * peak), a lower one is blended in with weight `1 - exp(-Δt / τ)`, so the estimate reacts to a
 * slowdown within one request and forgets it over the time constant τ.
 */
export class PeakEwma {
  readonly #tau: number;
  #cost = 0;
  #stamp: number;
  #samples = 0;

  /**
   * @param tauMs - decay time constant in ms (Finagle's default is 10 s)
   * @param now - current clock time in ms
   */
  constructor(tauMs: number, now: number) {
    this.#tau = tauMs;
    this.#stamp = now;
  }

  /** Whether any sample has been observed. */
  get hasHistory(): boolean {
    return this.#samples > 0;
  }

  /** Folds in a latency sample (ms) observed at `now`. */
  observe(latencyMs: number, now: number): void {
    this.#samples++;
    if (this.#samples === 1) {
      this.#cost = latencyMs;
      this.#stamp = now;
      return;
    }
    const elapsed = Math.max(now - this.#stamp, 0);
    this.#stamp = now;
    if (latencyMs > this.#cost) {
      this.#cost = latencyMs;
    } else {
      const w = Math.exp(-elapsed / this.#tau);
      this.#cost = this.#cost * w + latencyMs * (1 - w);
    }
  }

  /** The current estimate (ms), without decay applied for the time since the last sample. */
  get value(): number {
    return this.#cost;
  }
}

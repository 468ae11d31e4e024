/**
 * A peak-sensitive, time-decayed moving average of latency, as in Finagle's `PeakEwma`
 * (and linkerd2-proxy's `PeakEwma`): a sample above the current cost replaces it at once (the
 * peak), a lower one is blended in with weight `1 - exp(-Δt / τ)`, so the estimate reacts to a
 * slowdown within one request and forgets it over the time constant τ.
 *
 * Read with {@link PeakEwma.valueAt}, the estimate also decays toward zero while no sample
 * arrives, as Finagle and tower do when they read the load, so an endpoint that lost its traffic
 * after a slow spell becomes cheap again and is probed. Finagle and tower store that decay on
 * every read; here reads change nothing (a balancer only reads, shared/STYLE.md rule 3), so the
 * stored cost and a sample's blend are the same whether or not anyone looked in between.
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

  /** The estimate (ms) at `now`: {@link PeakEwma.value} decayed by `exp(-(now - last sample) / τ)`. */
  valueAt(now: number): number {
    const elapsed = now - this.#stamp;
    return elapsed > 0 ? this.#cost * Math.exp(-elapsed / this.#tau) : this.#cost;
  }
}

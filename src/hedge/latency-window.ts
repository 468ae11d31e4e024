/** Latency samples kept for the percentile hedge delay. */
export const LATENCY_WINDOW_SIZE = 1_000;

/**
 * The last `size` latency samples in a ring, with a percentile that is recomputed (by sorting a
 * copy) once every `size / 10` samples rather than on every read: O(1) per sample amortised
 * plus O(size log size) per refresh, so a 1 000-sample window costs well under a microsecond per
 * request.
 */
export class LatencyWindow {
  readonly #samples: Float64Array;
  readonly #refreshEvery: number;
  #next = 0;
  #count = 0;
  #sinceRefresh = 0;
  #cached = new Map<number, number>();

  /** @param size - number of recent samples kept (>= 10) */
  constructor(size: number) {
    this.#samples = new Float64Array(size);
    this.#refreshEvery = Math.max(1, Math.floor(size / 10));
  }

  /** Samples observed so far, up to the window size. */
  get count(): number {
    return this.#count;
  }

  /** Adds a latency sample (ms). */
  observe(ms: number): void {
    this.#samples[this.#next] = ms;
    this.#next = this.#next + 1 === this.#samples.length ? 0 : this.#next + 1;
    if (this.#count < this.#samples.length) this.#count++;
    if (++this.#sinceRefresh >= this.#refreshEvery) {
      this.#sinceRefresh = 0;
      this.#cached.clear();
    }
  }

  /**
   * The `p`-th percentile (0 < p <= 100) of the samples in the window, nearest-rank; 0 when
   * there are none. May lag the newest `size / 10` samples.
   */
  percentile(p: number): number {
    if (this.#count === 0) return 0;
    let value = this.#cached.get(p);
    if (value === undefined) {
      const sorted = this.#samples.slice(0, this.#count).sort();
      value = sorted[Math.max(0, Math.ceil((p / 100) * this.#count) - 1)]!;
      this.#cached.set(p, value);
    }
    return value;
  }
}

/** Latency buckets per doubling: a percentile read from them is within 2^(1/8) - 1 ≈ 9 % above the true one. */
const PER_DOUBLING = 8;
/** The smallest latency told apart (ms); anything faster counts in the first bucket. */
const FLOOR_MS = 0.01;
/** Enough buckets for FLOOR_MS · 2^28 ms, about 45 minutes. */
const LATENCY_BUCKETS = 28 * PER_DOUBLING;
/** Time slices a window is made of: it moves one slice (a tenth of its length) at a time. */
const SLICES = 10;

/**
 * A rolling window of one service's logical calls and marks (budget refusals): counts of calls,
 * failures and marks, and a log-bucketed latency histogram, in ten time slices; the window moves
 * one slice at a time, lazily, when it is written or read. O(1) per call, no allocation.
 */
export class CallWindow {
  readonly windowMs: number;
  readonly #sliceMs: number;
  readonly #calls = new Uint32Array(SLICES);
  readonly #failures = new Uint32Array(SLICES);
  readonly #marks = new Uint32Array(SLICES);
  readonly #latency = new Uint32Array(SLICES * LATENCY_BUCKETS);
  /** The slice number (time / slice length) of the current slice. */
  #slice: number;

  /** @param now - the clock's time now (ms) */
  constructor(windowMs: number, now: number) {
    this.windowMs = windowMs;
    this.#sliceMs = windowMs / SLICES;
    this.#slice = Math.floor(now / this.#sliceMs);
  }

  /** Counts a call that took `ms` and succeeded or failed. */
  record(now: number, ok: boolean, ms: number): void {
    const i = this.#advance(now);
    this.#calls[i]!++;
    if (!ok) this.#failures[i]!++;
    const bucket = ms <= FLOOR_MS ? 0 : Math.min(LATENCY_BUCKETS - 1, Math.ceil(Math.log2(ms / FLOOR_MS) * PER_DOUBLING));
    this.#latency[i * LATENCY_BUCKETS + bucket]!++;
  }

  /** Counts a mark (an event such as a budget refusal). */
  mark(now: number): void {
    this.#marks[this.#advance(now)]!++;
  }

  /** Calls in the window. */
  calls(now: number): number {
    this.#advance(now);
    return sum(this.#calls);
  }

  /** The share of the window's calls that succeeded (1 when there were none). */
  successRate(now: number): number {
    this.#advance(now);
    const calls = sum(this.#calls);
    return calls === 0 ? 1 : 1 - sum(this.#failures) / calls;
  }

  /** Marks in the window. */
  marks(now: number): number {
    this.#advance(now);
    return sum(this.#marks);
  }

  /** The `p`-th percentile (0 < p <= 100) of the window's call latencies (ms), the upper edge of its bucket; 0 when there were no calls. */
  percentile(now: number, p: number): number {
    this.#advance(now);
    const calls = sum(this.#calls);
    if (calls === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * calls));
    let seen = 0;
    for (let bucket = 0; bucket < LATENCY_BUCKETS; bucket++) {
      for (let s = 0; s < SLICES; s++) seen += this.#latency[s * LATENCY_BUCKETS + bucket]!;
      if (seen >= rank) return FLOOR_MS * 2 ** (bucket / PER_DOUBLING);
    }
    return FLOOR_MS * 2 ** ((LATENCY_BUCKETS - 1) / PER_DOUBLING);
  }

  /** Moves the window to `now`, clearing the slices it left behind; returns the current slice's index. */
  #advance(now: number): number {
    const slice = Math.floor(now / this.#sliceMs);
    const gone = Math.min(SLICES, slice - this.#slice);
    for (let k = 1; k <= gone; k++) {
      const i = (((this.#slice + k) % SLICES) + SLICES) % SLICES;
      this.#calls[i] = 0;
      this.#failures[i] = 0;
      this.#marks[i] = 0;
      this.#latency.fill(0, i * LATENCY_BUCKETS, (i + 1) * LATENCY_BUCKETS);
    }
    if (slice > this.#slice) this.#slice = slice;
    return ((this.#slice % SLICES) + SLICES) % SLICES;
  }
}

function sum(values: Uint32Array): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

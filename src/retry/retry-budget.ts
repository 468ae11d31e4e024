/** Retry budget settings, validated. */
export interface RetryBudgetSettings {
  /** Retries allowed per request in the window (0.2 = 20 % extra load). */
  readonly ratio: number;
  /** Retries allowed per second of window whatever the traffic, for low-rate clients. */
  readonly minPerSecond: number;
  /** Length of the sliding window (ms). */
  readonly windowMs: number;
}

/** Number of slices the sliding window is cut into (Finagle's `WindowedAdder` uses 10). */
const SLICES = 10;
/** Absorbs floating-point error in `ratio × deposits` (0.2 × 5 must allow 1 retry). */
const EPSILON = 1e-9;

/**
 * A retry budget, as Finagle's `RetryBudget` and gRPC's retry throttling: every request deposits,
 * every retry withdraws, and a retry is allowed only while
 * `retries ≤ ratio × requests + minPerSecond × windowSeconds` over a sliding window. So an outage
 * cannot multiply the load on a service by more than `1 + ratio` (plus the small floor that lets a
 * quiet client retry at all). Time comes from the caller (`now`, ms on the client clock); the
 * window is cut into 10 slices that expire as time passes, with no timer. O(1) amortised.
 *
 * @example
 * const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 10, windowMs: 10_000 }, clock.now());
 * budget.deposit(clock.now());
 * if (budget.tryWithdraw(clock.now())) { retry(); }
 */
export class RetryBudget {
  readonly #ratio: number;
  readonly #reserve: number;
  readonly #sliceMs: number;
  readonly #deposits = new Float64Array(SLICES);
  readonly #withdrawals = new Float64Array(SLICES);
  #slice = 0;
  #sliceStart: number;
  #totalDeposits = 0;
  #totalWithdrawals = 0;

  /**
   * @param settings - ratio, floor per second and window length
   * @param now - current clock time in ms
   */
  constructor(settings: RetryBudgetSettings, now: number) {
    this.#ratio = settings.ratio;
    this.#reserve = settings.minPerSecond * (settings.windowMs / 1_000);
    this.#sliceMs = settings.windowMs / SLICES;
    this.#sliceStart = now;
  }

  /** Records one request. */
  deposit(now: number): void {
    this.#advance(now);
    this.#deposits[this.#slice]!++;
    this.#totalDeposits++;
  }

  /** Takes one retry from the budget if it allows one; returns whether it did. */
  tryWithdraw(now: number): boolean {
    this.#advance(now);
    if (this.#totalWithdrawals + 1 > this.#ratio * this.#totalDeposits + this.#reserve + EPSILON) return false;
    this.#withdrawals[this.#slice]!++;
    this.#totalWithdrawals++;
    return true;
  }

  /** Retries the budget would allow now (may be fractional). */
  balance(now: number): number {
    this.#advance(now);
    return this.#ratio * this.#totalDeposits + this.#reserve - this.#totalWithdrawals;
  }

  #advance(now: number): void {
    const passed = Math.floor((now - this.#sliceStart) / this.#sliceMs);
    if (passed <= 0) return;
    const expire = Math.min(passed, SLICES);
    for (let i = 0; i < expire; i++) {
      this.#slice = this.#slice + 1 === SLICES ? 0 : this.#slice + 1;
      this.#totalDeposits -= this.#deposits[this.#slice]!;
      this.#totalWithdrawals -= this.#withdrawals[this.#slice]!;
      this.#deposits[this.#slice] = 0;
      this.#withdrawals[this.#slice] = 0;
    }
    this.#sliceStart += passed * this.#sliceMs;
  }
}

/**
 * A closed breaker's rolling window: the attempts one endpoint was sent and the failures among
 * them, counted in `buckets` buckets of equal length, the window moving one bucket at a time
 * (Hystrix's rolling counters, which opossum's `Status` also keeps). An attempt is counted when it
 * starts and a failure when it ends, each in the bucket current at that moment.
 *
 * Rotation is lazy: the breaker layer's one timer advances a shared rotation count (`epoch`) once
 * per bucket length, and a window catches up with it the next time it counts, expiring at most
 * `buckets` buckets. So counting is O(1) with no allocation and no clock read, and the timer does
 * nothing per breaker.
 */
export class OutcomeWindow {
  readonly #attempts: Uint32Array;
  readonly #failures: Uint32Array;
  /** Index of the current bucket. */
  #current = 0;
  /** The rotation count the current bucket belongs to. */
  #epoch: number;
  #attemptTotal = 0;
  #failureTotal = 0;

  /**
   * @param buckets - number of buckets in the window (>= 1)
   * @param epoch - the shared rotation count now
   */
  constructor(buckets: number, epoch: number) {
    this.#attempts = new Uint32Array(buckets);
    this.#failures = new Uint32Array(buckets);
    this.#epoch = epoch;
  }

  /** Attempts counted in the window, as of the last count. */
  get attempts(): number {
    return this.#attemptTotal;
  }

  /** Failures counted in the window, as of the last count. */
  get failures(): number {
    return this.#failureTotal;
  }

  /** Counts an attempt starting at rotation count `epoch`. */
  attempt(epoch: number): void {
    if (epoch !== this.#epoch) this.#rotate(epoch);
    this.#attempts[this.#current]!++;
    this.#attemptTotal++;
  }

  /**
   * Takes back an attempt counted at rotation count `epoch` that was never sent (refused before a
   * byte left): such a refusal ends at once, so it is taken from the current bucket, if that still
   * holds one (after a rotation in between, the attempt has left with its bucket or soon will).
   */
  withdraw(epoch: number): void {
    if (epoch !== this.#epoch) this.#rotate(epoch);
    if (this.#attempts[this.#current] === 0) return;
    this.#attempts[this.#current]!--;
    this.#attemptTotal--;
  }

  /** Counts a failure ending at rotation count `epoch`. */
  failure(epoch: number): void {
    if (epoch !== this.#epoch) this.#rotate(epoch);
    this.#failures[this.#current]!++;
    this.#failureTotal++;
  }

  #rotate(epoch: number): void {
    const buckets = this.#attempts.length;
    const expire = Math.min(epoch - this.#epoch, buckets);
    for (let i = 0; i < expire; i++) {
      this.#current = this.#current + 1 === buckets ? 0 : this.#current + 1;
      this.#attemptTotal -= this.#attempts[this.#current]!;
      this.#failureTotal -= this.#failures[this.#current]!;
      this.#attempts[this.#current] = 0;
      this.#failures[this.#current] = 0;
    }
    this.#epoch = epoch;
  }
}

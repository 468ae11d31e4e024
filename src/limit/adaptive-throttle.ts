/** Settings of {@link AdaptiveThrottle}, validated. */
export interface AdaptiveThrottleSettings {
  /** The multiplier K: the client sends up to K times what the service accepts. */
  readonly k: number;
  /** Length of the rolling window (ms). */
  readonly windowMs: number;
}

/** Number of slices the rolling window is cut into; it moves one slice at a time. */
const SLICES = 20;

/**
 * Client-side adaptive throttling, from Google's SRE book ("Handling Overload", chapter 21).
 * Over a rolling window the client counts `requests` (attempts the application made, throttled
 * ones included) and `accepts` (attempts the service took, that is, did not answer with overload),
 * and rejects each new attempt locally with probability
 *
 *     p = max(0, (requests − K × accepts) / (requests + 1))
 *
 * While the service accepts more than 1/K of what is sent, p is 0 and nothing changes; past
 * that, the client sends about K times what the service accepts, so an overloaded service spends
 * little on requests it would reject anyway, and the client still probes it. Time comes from the
 * caller (ms on the client clock); the window is cut into 20 slices that expire as time passes,
 * with no timer. O(1) amortised, no allocation.
 */
export class AdaptiveThrottle {
  readonly #k: number;
  readonly #sliceMs: number;
  readonly #requests = new Float64Array(SLICES);
  readonly #accepts = new Float64Array(SLICES);
  #slice = 0;
  #sliceStart: number;
  #totalRequests = 0;
  #totalAccepts = 0;

  /**
   * @param settings - K and the window length
   * @param now - current clock time in ms
   */
  constructor(settings: AdaptiveThrottleSettings, now: number) {
    this.#k = settings.k;
    this.#sliceMs = settings.windowMs / SLICES;
    this.#sliceStart = now;
  }

  /** Requests counted in the window at `now`. */
  requests(now: number): number {
    this.#advance(now);
    return this.#totalRequests;
  }

  /** Accepts counted in the window at `now`. */
  accepts(now: number): number {
    this.#advance(now);
    return this.#totalAccepts;
  }

  /** The rejection probability at `now`, in [0, 1). */
  probability(now: number): number {
    this.#advance(now);
    return Math.max(0, (this.#totalRequests - this.#k * this.#totalAccepts) / (this.#totalRequests + 1));
  }

  /** Counts one request (call it for every attempt, whether it is then sent or rejected). */
  request(now: number): void {
    this.#advance(now);
    this.#requests[this.#slice]!++;
    this.#totalRequests++;
  }

  /** Counts one request the service accepted. */
  accept(now: number): void {
    this.#advance(now);
    this.#accepts[this.#slice]!++;
    this.#totalAccepts++;
  }

  /** Takes back a request that turned out to say nothing about the service (aborted, refused below). */
  forget(now: number): void {
    this.#advance(now);
    if (this.#requests[this.#slice]! > 0) {
      this.#requests[this.#slice]!--;
      this.#totalRequests--;
    }
  }

  #advance(now: number): void {
    const elapsed = now - this.#sliceStart;
    if (elapsed < this.#sliceMs) return;
    const steps = Math.floor(elapsed / this.#sliceMs);
    for (let i = 0; i < Math.min(steps, SLICES); i++) {
      this.#slice = this.#slice + 1 === SLICES ? 0 : this.#slice + 1;
      this.#totalRequests -= this.#requests[this.#slice]!;
      this.#totalAccepts -= this.#accepts[this.#slice]!;
      this.#requests[this.#slice] = 0;
      this.#accepts[this.#slice] = 0;
    }
    this.#sliceStart += steps * this.#sliceMs;
  }
}

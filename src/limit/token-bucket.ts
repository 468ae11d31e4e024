import type { TokenSource } from './token-source.js';

/**
 * A token bucket (the classic traffic-shaping algorithm, as in golang.org/x/time/rate): it holds
 * up to `burst` tokens and refills at `rate` tokens per second, lazily from the time each call
 * passes in (ms on the client clock), with no timer. Every operation is O(1) and allocation-free.
 *
 * Waiting callers reserve a token ahead of time ({@link TokenBucket.reserve} lets the count go
 * negative), so they are served in arrival order and the wait each one is told is exact.
 *
 * @example
 * const bucket = new TokenBucket({ rate: 100, burst: 10 }, clock.now());
 * if (!bucket.tryAcquire(clock.now())) { const wait = bucket.waitTime(clock.now()); ... }
 */
export class TokenBucket implements TokenSource {
  #perMs: number;
  #burst: number;
  #tokens: number;
  #stamp: number;

  /**
   * @param options.rate - tokens added per second (> 0)
   * @param options.burst - most tokens held at once (>= 1); the bucket starts full
   * @param now - current clock time in ms
   */
  constructor(options: { readonly rate: number; readonly burst: number }, now: number) {
    this.#perMs = options.rate / 1_000;
    this.#burst = options.burst;
    this.#tokens = options.burst;
    this.#stamp = now;
  }

  /** Tokens available at `now` (negative while reservations are outstanding). */
  tokens(now: number): number {
    this.#refill(now);
    return this.#tokens;
  }

  /** Takes a token if one is available at `now`; returns whether it did. */
  tryAcquire(now: number): boolean {
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds from `now` until a token taken with {@link TokenBucket.reserve} would be due (0 if one is available). */
  waitTime(now: number): number {
    this.#refill(now);
    if (this.#tokens >= 1) return 0;
    return this.#perMs > 0 ? (1 - this.#tokens) / this.#perMs : Infinity;
  }

  /** Takes a token now or in the future; returns the wait in ms until it is due (as {@link TokenBucket.waitTime}). */
  reserve(now: number): number {
    const wait = this.waitTime(now);
    this.#tokens -= 1;
    return wait;
  }

  /** Gives back a reserved token that will not be used (a caller gave up waiting). */
  refund(now: number): void {
    this.#refill(now);
    this.#tokens = Math.min(this.#burst, this.#tokens + 1);
  }

  /**
   * Changes the rate and the burst from `now` on (tokens already earned are kept, up to the new
   * burst), as a leased bucket does when its share changes.
   * @param rate - tokens added per second (>= 0; 0 stops the refill)
   */
  setRate(rate: number, burst: number, now: number): void {
    this.#refill(now);
    this.#perMs = rate / 1_000;
    this.#burst = burst;
    this.#tokens = Math.min(this.#tokens, burst);
  }

  #refill(now: number): void {
    const elapsed = now - this.#stamp;
    if (elapsed <= 0) return;
    this.#stamp = now;
    if (this.#tokens < this.#burst) this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#perMs);
  }
}

/**
 * Where the limiter layer takes its tokens from: a {@link TokenBucket} of its own (the `rate`
 * option), or a source shared with others, such as a {@link SharedQuota} (this process's share of
 * a quota across processes) or a {@link BottleneckLease} (tokens leased from a Bottleneck limiter).
 * Every method is synchronous and O(1): the per-attempt path never waits on a network.
 * Times are ms on the client clock.
 */
export interface TokenSource {
  /** Takes a token if one is available at `now`; returns whether it did. */
  tryAcquire(now: number): boolean;
  /** Milliseconds from `now` until a token reserved now would be due (0 if one is available; `Infinity` if unknown). */
  waitTime(now: number): number;
  /** Takes a token now or in the future; returns the wait in ms until it is due. */
  reserve(now: number): number;
  /** Gives back a reserved token that will not be used. */
  refund(now: number): void;
}

/**
 * The token bucket's cost per acquire, in process: `tryAcquire(clock.now())` with the system clock,
 * as the limiter layer calls it on every attempt, on a bucket that never runs dry (the fast path).
 * Goal: <= 100 ns per acquire.
 *
 * Run alone with `npx tsx bench/limiter.ts [--iterations N]`, or call {@link measureTokenBucket}
 * (bench/overhead.ts can report it beside the pipeline's throughput ratio).
 */
import { parseArgs } from 'node:util';
import { systemClock } from '../src/core/clock.js';
import { TokenBucket } from '../src/limit/token-bucket.js';

/** What {@link measureTokenBucket} reports. */
export interface TokenBucketCost {
  /** Median over the rounds of the mean time of one `tryAcquire(clock.now())`, in ns. */
  readonly nsPerAcquire: number;
  /** The same, without reading the clock (the bucket's own arithmetic), in ns. */
  readonly nsPerAcquireNoClock: number;
  readonly iterations: number;
  readonly rounds: number;
}

/** Times `iterations` acquires per round over `rounds` rounds and returns the medians. */
export function measureTokenBucket(iterations = 5_000_000, rounds = 7): TokenBucketCost {
  const withClock: number[] = [];
  const noClock: number[] = [];
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    const bucket = new TokenBucket({ rate: 1e15, burst: 1e15 }, systemClock.now());
    let start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) if (bucket.tryAcquire(systemClock.now())) sink++;
    withClock.push(Number(process.hrtime.bigint() - start) / iterations);
    const fixed = systemClock.now();
    start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) if (bucket.tryAcquire(fixed + i)) sink++;
    noClock.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  if (sink !== 2 * iterations * rounds) throw new Error('the bucket ran dry: the benchmark is wrong');
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  return { nsPerAcquire: median(withClock), nsPerAcquireNoClock: median(noClock), iterations, rounds };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { iterations: { type: 'string', default: '5000000' } } });
  const cost = measureTokenBucket(Number(values.iterations));
  console.log(`token bucket: ${cost.nsPerAcquire.toFixed(1)} ns per tryAcquire(clock.now()) (goal <= 100 ns); ${cost.nsPerAcquireNoClock.toFixed(1)} ns without the clock read`);
  console.log(`(${cost.rounds} rounds of ${cost.iterations} acquires, median)`);
}

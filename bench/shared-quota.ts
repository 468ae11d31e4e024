/**
 * The cost of one `sharedQuota` acquire, as the limiter layer pays it on every attempt:
 * `tryAcquire(clock.now())` on a quota shared through a real redis-server on loopback, timed one
 * call at a time (p50, p99, p99.9, max), in three phases: Redis up (a report every 100 ms in the
 * background), Redis killed (reports failing), and Redis back. Goal: p99 <= 1 µs, the same in
 * every phase, since acquiring never touches the network. The figures include reading the
 * high-resolution timer twice, measured alone as `timer` and printed first.
 *
 * Needs redis-server (Debian package) on the PATH. Run with `npx tsx bench/shared-quota.ts
 * [--samples N] [--rounds R]`. On a shared machine the tail moves with the other load: each phase
 * prints the spread of its p99 over the rounds.
 */
import { parseArgs } from 'node:util';
import { systemClock } from '../src/core/clock.js';
import { redisQuotaStore } from '../src/limit/redis-quota-store.js';
import { sharedQuota } from '../src/limit/shared-quota.js';
import { startRedis } from '../test/support/redis-server.js';

const { values } = parseArgs({ options: { samples: { type: 'string', default: '1000000' }, rounds: { type: 'string', default: '5' } } });
const samples = Number(values.samples);
const rounds = Number(values.rounds);

/** Percentiles (ns) of `samples` timed calls of `fn`. */
function timeEach(fn: () => unknown): { p50: number; p99: number; p999: number; max: number } {
  const ns = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const start = process.hrtime.bigint();
    fn();
    ns[i] = Number(process.hrtime.bigint() - start);
  }
  ns.sort();
  const at = (q: number): number => ns[Math.min(samples - 1, Math.floor(q * samples))]!;
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999), max: ns[samples - 1]! };
}

/** Runs `rounds` rounds and prints the median of each percentile and the spread of p99. */
async function phase(name: string, fn: () => unknown): Promise<void> {
  const results: ReturnType<typeof timeEach>[] = [];
  for (let r = 0; r < rounds; r++) {
    results.push(timeEach(fn));
    // Let the background reports (timers, sockets) run between rounds, as they would between requests.
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  const median = (k: 'p50' | 'p99' | 'p999' | 'max'): number => results.map((x) => x[k]).sort((a, b) => a - b)[results.length >> 1]!;
  const p99s = results.map((x) => x.p99);
  console.log(
    `${name.padEnd(28)} p50 ${median('p50')} ns  p99 ${median('p99')} ns  p99.9 ${median('p999')} ns  max ${median('max')} ns  ` +
      `(p99 over rounds ${Math.min(...p99s)}-${Math.max(...p99s)} ns)`,
  );
}

const redis = await startRedis();
const store = redisQuotaStore({ url: redis.url });
// A quota so large the bucket never runs dry: every acquire is the granting path.
const quota = sharedQuota({ store, key: 'bench', quota: 1e12, intervalMs: 100, timeoutMs: 50, staleAfterMs: 0 });
await quota.ready();
const acquire = (): boolean => quota.tryAcquire(systemClock.now());
try {
  console.log(`${rounds} rounds of ${samples} acquires each, one sharedQuota through redis-server on 127.0.0.1 (goal: p99 <= 1 000 ns)`);
  await phase('timer alone (hrtime twice)', () => 0);
  await phase(`Redis up (${quota.stats().state})`, acquire);
  await redis.kill();
  await new Promise((resolve) => setTimeout(resolve, 300));
  await phase(`Redis killed (${quota.stats().state})`, acquire);
  await redis.restart();
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  await phase(`Redis back (${quota.stats().state})`, acquire);
  console.log(`failed reports during the run: ${quota.stats().failedReports}`);
} finally {
  await quota.close();
  await store.close();
  await redis.stop();
}

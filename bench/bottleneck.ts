/**
 * bottleneck 2.19.5, measured where switchyard might use it, beside `bottleneckLease` (which
 * leases tokens from a Bottleneck limiter in batches, off the per-attempt path):
 *
 * 1. the local datastore: jobs per second, awaited one at a time and all scheduled at once;
 * 2. the Redis datastore (clustering over ioredis, a real redis-server on 127.0.0.1): time per job
 *    awaited one at a time (its round trips), and how long 100 jobs take under a reservoir of 50
 *    refreshed every second (a 50/s limit: about 1 s if refills were seen at once), with the default
 *    heartbeat (5 s) and a 100 ms one;
 * 3. `bottleneckLease` over that Redis limiter (reservoir 2 000 refreshed every second, batch 50),
 *    with both heartbeats:
 *    tokens granted per second against the limit, limiter jobs per token, and the p99 of one
 *    acquire.
 *
 * Needs redis-server (Debian package) on the PATH. Run with `npx tsx bench/bottleneck.ts`
 * (`npm run bench:bottleneck`). On a shared machine the times move with the other load.
 */
import Bottleneck from 'bottleneck';
import { systemClock } from '../src/core/clock.js';
import { bottleneckLease } from '../src/limit/bottleneck-lease.js';
import { startRedis } from '../test/support/redis-server.js';

const ms = (start: number): number => systemClock.now() - start;
const noop = (): Promise<void> => Promise.resolve();

/** Jobs per second and ms per job for `jobs` jobs, awaited one by one or scheduled together. */
async function throughput(limiter: Bottleneck, jobs: number, together: boolean): Promise<string> {
  const start = systemClock.now();
  if (together) await Promise.all(Array.from({ length: jobs }, () => limiter.schedule(noop)));
  else for (let i = 0; i < jobs; i++) await limiter.schedule(noop);
  const took = ms(start);
  return `${jobs} jobs ${together ? 'scheduled together' : 'one at a time'}: ${took.toFixed(0)} ms, ${((jobs * 1_000) / took).toFixed(0)} jobs/s, ${(took / jobs).toFixed(3)} ms per job`;
}

const redis = await startRedis();
const clientOptions = { host: '127.0.0.1', port: redis.port };
const clustered = (id: string, options: Bottleneck.ConstructorOptions = {}): Bottleneck =>
  new Bottleneck({ id, datastore: 'ioredis', clearDatastore: true, clientOptions, ...options });
try {
  console.log('bottleneck 2.19.5, local datastore (no limits set):');
  const local = new Bottleneck();
  console.log(`  ${await throughput(local, 2_000, false)}`);
  console.log(`  ${await throughput(local, 2_000, true)}`);
  await local.stop();

  console.log('bottleneck 2.19.5, Redis datastore (ioredis, redis-server on 127.0.0.1):');
  const remote = clustered('bench-jobs');
  await remote.ready();
  console.log(`  ${await throughput(remote, 500, false)}`);
  console.log(`  ${await throughput(remote, 500, true)}`);
  await remote.disconnect();

  // Bottleneck's Redis datastore sees reservoir refills on its heartbeat (heartbeatInterval, 5 000 ms by default).
  for (const heartbeatInterval of [5_000, 100]) {
    const limited = clustered(`bench-refresh-${heartbeatInterval}`, { reservoir: 50, reservoirRefreshAmount: 50, reservoirRefreshInterval: 1_000, heartbeatInterval });
    await limited.ready();
    const start = systemClock.now();
    await Promise.all(Array.from({ length: 100 }, () => limited.schedule(noop)));
    console.log(`  100 jobs under reservoir 50 refreshed every 1 000 ms (50/s), heartbeatInterval ${heartbeatInterval}: ${ms(start).toFixed(0)} ms (refills seen at once: about 1 000 ms)`);
    await limited.disconnect();
  }

  for (const heartbeatInterval of [5_000, 100]) {
    console.log(`bottleneckLease (batch 50) over a Redis-datastore Bottleneck, reservoir 2 000 refreshed every 1 000 ms, heartbeatInterval ${heartbeatInterval}:`);
    const shared = clustered(`bench-lease-${heartbeatInterval}`, { reservoir: 2_000, reservoirRefreshAmount: 2_000, reservoirRefreshInterval: 1_000, heartbeatInterval });
    await shared.ready();
    let jobs = 0;
    shared.on('executing', () => jobs++);
    const lease = bottleneckLease({ limiter: shared, batch: 50 });
    await lease.ready();
    // Open loop at 5 000 attempts/s (2.5 × the limit) for 10 s; each acquire timed alone.
    const seconds = 10;
    const times = new Float64Array(seconds * 5_000);
    // The same timing around an empty call, interleaved: what calling sparsely (a few calls per 2 ms tick) costs on its own.
    const empty = new Float64Array(seconds * 5_000);
    let granted = 0;
    let made = 0;
    const start = systemClock.now();
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const elapsed = ms(start);
        if (elapsed >= seconds * 1_000) return resolve();
        for (const due = Math.min(times.length, Math.floor(elapsed * 5)); made < due; made++) {
          const e = process.hrtime.bigint();
          empty[made] = Number(process.hrtime.bigint() - e);
          const t = process.hrtime.bigint();
          if (lease.tryAcquire(0)) granted++;
          times[made] = Number(process.hrtime.bigint() - t);
        }
        setTimeout(tick, 2);
      };
      tick();
    });
    lease.close();
    const sorted = times.subarray(0, made).sort();
    const at = (q: number): number => sorted[Math.floor(q * (made - 1))]!;
    const emptySorted = empty.subarray(0, made).sort();
    const emptyAt = (q: number): number => emptySorted[Math.floor(q * (made - 1))]!;
    console.log(
      `  ${made} attempts in ${seconds} s: ${(granted / seconds).toFixed(0)} tokens/s granted (limit 2 000/s; the first reservoir of 2 000 included), ` +
        `${jobs} limiter jobs (${(granted / Math.max(1, jobs)).toFixed(0)} tokens per job); acquire p50 ${at(0.5)} ns, p99 ${at(0.99)} ns, max ${at(1)} ns ` +
        `(the timer around an empty call, same pattern: p50 ${emptyAt(0.5)} ns, p99 ${emptyAt(0.99)} ns)`,
    );
    await shared.disconnect();
  }
} finally {
  await redis.stop();
}

import Bottleneck from 'bottleneck';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { ConfigError } from '../../src/core/errors.js';
import { bottleneckLease } from '../../src/limit/bottleneck-lease.js';

/** Tokens granted out of `n` tries. */
const take = (source: { tryAcquire(now: number): boolean }, n: number): number => {
  let granted = 0;
  for (let i = 0; i < n; i++) if (source.tryAcquire(0)) granted++;
  return granted;
};

/** Resolves once `check()` holds (Bottleneck runs on its own timers), within 5 s. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe('bottleneckLease (tokens leased in batches from a Bottleneck limiter)', () => {
  it('takes tokens from the limiter one batch (one job of weight batch) at a time and never more than it allows', async () => {
    const limiter = new Bottleneck({ reservoir: 30 });
    const lease = bottleneckLease({ limiter, batch: 10, lowWater: 0 });
    await lease.ready();
    expect(lease.stats()).toMatchObject({ tokens: 10, leases: 1 });
    expect(take(lease, 25)).toBe(10);
    await until(() => lease.stats().tokens === 10);
    expect(take(lease, 25)).toBe(10);
    await until(() => lease.stats().tokens === 10);
    expect(take(lease, 25)).toBe(10);
    // The reservoir is spent: the next lease waits in the limiter and nothing more is granted.
    await new Promise((r) => setTimeout(r, 50));
    expect(take(lease, 25)).toBe(0);
    expect(lease.stats()).toMatchObject({ leases: 3, leasedTokens: 30, pending: true });
    expect(await limiter.currentReservoir()).toBe(0);
    // A refill lets the waiting lease through.
    await limiter.incrementReservoir(10);
    await until(() => lease.stats().tokens === 10);
    lease.close();
    await limiter.stop({ dropWaitingJobs: true });
  });

  it('asks for the next batch when the tokens at hand fall to lowWater, so attempts rarely find none', async () => {
    const limiter = new Bottleneck({ reservoir: 100 });
    const lease = bottleneckLease({ limiter, batch: 20, lowWater: 5 });
    await lease.ready();
    expect(take(lease, 14)).toBe(14);
    await new Promise((r) => setTimeout(r, 50));
    expect(lease.stats()).toMatchObject({ tokens: 6, leases: 1 });
    expect(take(lease, 1)).toBe(1);
    await until(() => lease.stats().leases === 2);
    expect(lease.stats().tokens).toBe(25);
    lease.close();
    await limiter.stop();
  });

  it('never waits: with no token at hand an attempt is refused at once and told the wait is unknown', async () => {
    const limiter = new Bottleneck({ reservoir: 0 });
    const lease = bottleneckLease({ limiter, batch: 5 });
    expect(lease.tryAcquire(0)).toBe(false);
    expect(lease.waitTime(0)).toBe(Infinity);
    lease.close();
    await limiter.stop({ dropWaitingJobs: true });
  });

  it('records a lease the limiter rejects and tries again after retryMs', async () => {
    const clock = new ManualClock();
    // A job heavier than maxConcurrent can never run: Bottleneck rejects it.
    const limiter = new Bottleneck({ maxConcurrent: 5 });
    const lease = bottleneckLease({ limiter, batch: 10, retryMs: 500, clock });
    await lease.ready();
    expect(lease.stats()).toMatchObject({ failedLeases: 1, pending: false, tokens: 0 });
    expect(String(lease.stats().lastError)).toMatch(/weight/i);
    expect(lease.tryAcquire(0)).toBe(false);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(500);
    await until(() => lease.stats().failedLeases === 2);
    lease.close();
    expect(clock.pendingTimers).toBe(0);
    await limiter.stop();
  });

  it.each([
    [{ limiter: {} }, 'bottleneckLease.limiter'],
    [{ batch: 0 }, 'bottleneckLease.batch'],
    [{ batch: 2.5 }, 'bottleneckLease.batch'],
    [{ lowWater: -1 }, 'bottleneckLease.lowWater'],
    [{ priority: 10 }, 'bottleneckLease.priority'],
  ])('rejects %j naming %s', async (bad, option) => {
    const limiter = new Bottleneck({ reservoir: 0 });
    let error: unknown;
    try {
      bottleneckLease({ limiter, ...bad } as never).close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ option });
    await limiter.stop({ dropWaitingJobs: true });
  });
});

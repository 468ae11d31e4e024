import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { ConfigError } from '../../src/core/errors.js';
import type { DemandReport, QuotaGrant, QuotaStore } from '../../src/limit/quota-store.js';
import { memoryQuotaStore } from '../../src/limit/memory-quota-store.js';
import { sharedQuota } from '../../src/limit/shared-quota.js';
import { flush } from '../resilience/fakes.js';

/** A store whose answers the test scripts: each report waits for `answer()` or `fail()`. */
function scriptedStore() {
  const reports: DemandReport[] = [];
  const pending: { resolve: (g: QuotaGrant) => void; reject: (e: Error) => void }[] = [];
  const left: string[] = [];
  const store: QuotaStore = {
    report: (r) => {
      reports.push(r);
      return new Promise((resolve, reject) => pending.push({ resolve, reject }));
    },
    leave: async (_key, client) => {
      left.push(client);
    },
    close: async () => {},
  };
  return {
    store,
    reports,
    left,
    answer: async (share: number, clients: number) => (pending.shift()!.resolve({ share, clients }), flush()),
    fail: async () => (pending.shift()!.reject(new Error('down')), flush()),
    get pending() {
      return pending.length;
    },
  };
}

/** Tokens granted out of `n` tries at `now`. */
const take = (q: { tryAcquire(now: number): boolean }, now: number, n: number): number => {
  let granted = 0;
  for (let i = 0; i < n; i++) if (q.tryAcquire(now)) granted++;
  return granted;
};

describe('sharedQuota (leased token bucket)', () => {
  it('serves tokens from the local bucket at the share the store granted, with a burst of burstMs of it', async () => {
    const clock = new ManualClock();
    const s = scriptedStore();
    const q = sharedQuota({ store: s.store, key: 'k', quota: 1_000, client: 'a', clock, initialClients: 4 });
    expect(s.reports[0]).toEqual({ key: 'k', client: 'a', demand: 0, quota: 1_000, ttlMs: 3_000, held: 250, learnMs: 3_000 });
    await s.answer(500, 2);
    await q.ready();
    expect(q.stats()).toMatchObject({ share: 500, state: 'live', clients: 2 });
    // The bucket holds at most 100 ms of the share: 50 tokens, then 500 per second.
    expect(take(q, 0, 100)).toBe(25); // it started full at quota / initialClients = 250/s: 25 tokens
    clock.advance(1_000);
    expect(take(q, 1_000, 1_000)).toBe(50);
    clock.advance(10);
    expect(take(q, 1_010, 100)).toBe(5);
    await q.close();
  });

  it('reports the demand seen locally, refused tokens included, once per interval', async () => {
    const clock = new ManualClock();
    const s = scriptedStore();
    const q = sharedQuota({ store: s.store, key: 'k', quota: 100, client: 'a', clock });
    await s.answer(10, 1);
    take(q, 0, 300);
    clock.advance(1_000);
    expect(s.reports[1]!.demand).toBe(300);
    await s.answer(100, 1);
    await q.close();
  });

  it('keeps the last share when the store fails, then falls back to quota / last known clients after staleAfterMs (if that is lower)', async () => {
    const clock = new ManualClock();
    const s = scriptedStore();
    const q = sharedQuota({ store: s.store, key: 'k', quota: 2_000, client: 'a', clock, staleAfterMs: 3_000 });
    await s.answer(1_100, 4);
    for (let t = 1; t <= 2; t++) {
      clock.advance(1_000);
      await s.fail();
      expect(q.stats()).toMatchObject({ share: 1_100, state: 'stale', failedReports: t });
    }
    clock.advance(1_000);
    await s.fail();
    expect(q.stats()).toMatchObject({ share: 500, state: 'fallback' });
    clock.advance(1_000);
    await s.answer(1_000, 4);
    expect(q.stats()).toMatchObject({ share: 1_000, state: 'live' });
    await q.close();
  });

  it('reports the share it runs on (held), so a store that lost its state can learn it', async () => {
    const clock = new ManualClock();
    const s = scriptedStore();
    const q = sharedQuota({ store: s.store, key: 'k', quota: 2_000, client: 'a', clock, staleAfterMs: 0 });
    await s.answer(700, 4);
    clock.advance(1_000);
    expect(s.reports[1]).toMatchObject({ held: 700 });
    await s.fail();
    clock.advance(1_000);
    expect(s.reports[2]).toMatchObject({ held: 500 });
    await s.answer(500, 4);
    await q.close();
  });

  it('never raises a share when falling back: one below quota / clients is kept', async () => {
    const clock = new ManualClock();
    const s = scriptedStore();
    const q = sharedQuota({ store: s.store, key: 'k', quota: 2_000, client: 'a', clock, staleAfterMs: 0 });
    await s.answer(300, 4);
    clock.advance(1_000);
    await s.fail();
    expect(q.stats()).toMatchObject({ share: 300, state: 'fallback' });
    await q.close();
  });

  it('times a report out after timeoutMs and never makes a token wait for the store', async () => {
    const clock = new ManualClock();
    const s = scriptedStore();
    const q = sharedQuota({ store: s.store, key: 'k', quota: 100, client: 'a', clock, timeoutMs: 200, staleAfterMs: 0 });
    // The store never answers; tokens keep flowing from the local bucket, synchronously.
    expect(typeof q.tryAcquire(0)).toBe('boolean');
    clock.advance(200);
    await flush();
    expect(q.stats()).toMatchObject({ state: 'fallback', failedReports: 1 });
    clock.advance(800);
    // The next report went out on time although the first one never settled.
    expect(s.reports).toHaveLength(2);
    await q.close();
  });

  it('sends one report at a time', async () => {
    const clock = new ManualClock();
    const s = scriptedStore();
    const q = sharedQuota({ store: s.store, key: 'k', quota: 100, client: 'a', clock, intervalMs: 100, timeoutMs: 100 });
    clock.advance(50);
    expect(s.reports).toHaveLength(1);
    await s.answer(100, 1);
    clock.advance(50);
    expect(s.reports).toHaveLength(2);
    await q.close();
  });

  it('leaves the split on close and stops reporting', async () => {
    const clock = new ManualClock();
    const s = scriptedStore();
    const q = sharedQuota({ store: s.store, key: 'k', quota: 100, client: 'a', clock });
    await s.answer(100, 1);
    await q.close();
    expect(s.left).toEqual(['a']);
    clock.advance(10_000);
    expect(s.reports).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('shares a quota by demand among clients of one process through memoryQuotaStore', async () => {
    const clock = new ManualClock();
    const store = memoryQuotaStore(clock);
    const a = sharedQuota({ store, key: 'k', quota: 1_000, client: 'a', clock });
    const b = sharedQuota({ store, key: 'k', quota: 1_000, client: 'b', clock });
    await flush();
    for (let s = 1; s <= 3; s++) {
      take(a, clock.now(), 900);
      take(b, clock.now(), 100);
      clock.advance(1_000);
      await flush();
    }
    expect(a.stats().share).toBeCloseTo(900, 6);
    expect(b.stats().share).toBeCloseTo(100, 6);
    await Promise.all([a.close(), b.close()]);
  });

  it.each([
    [{ quota: 0 }, 'sharedQuota.quota', 0],
    [{ quota: undefined }, 'sharedQuota.quota', undefined],
    [{ key: '' }, 'sharedQuota.key', ''],
    [{ timeoutMs: 5_000 }, 'sharedQuota.timeoutMs', 5_000],
    [{ store: {} }, 'sharedQuota.store', {}],
    [{ burstMs: -1 }, 'sharedQuota.burstMs', -1],
  ])('rejects %j naming %s', (bad, option, value) => {
    const clock = new ManualClock();
    let error: unknown;
    try {
      sharedQuota({ store: memoryQuotaStore(clock), key: 'k', quota: 10, clock, ...bad } as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ option, value });
  });
});

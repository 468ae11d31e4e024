import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { ManualClock } from '../../src/core/clock.js';
import { fairShare } from '../../src/limit/fair-share.js';
import { leaseGrant } from '../../src/limit/lease-grant.js';
import { memoryQuotaStore } from '../../src/limit/memory-quota-store.js';
import type { DemandReport, QuotaStore } from '../../src/limit/quota-store.js';
import { redisQuotaStore } from '../../src/limit/redis-quota-store.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';

const CASES: readonly [string, readonly number[], number, readonly number[]][] = [
  ['everyone over an equal share: equal split', [900, 800, 700, 600], 2_000, [500, 500, 500, 500]],
  ['one heavy client takes what the light ones leave (max-min)', [1_600, 300, 300, 300], 2_000, [1_100, 300, 300, 300]],
  ['spare capacity goes out in proportion to demand', [600, 200, 200], 2_000, [1_200, 400, 400]],
  ['no demand at all: equal split', [0, 0], 100, [50, 50]],
  ['a single client gets the whole quota', [10], 100, [100]],
];

describe('fairShare (Doorman-style: max-min by demand, spare in proportion to demand)', () => {
  it.each(CASES)('%s', (_name, demands, capacity, expected) => {
    const shares = fairShare(demands, capacity);
    shares.forEach((s, i) => expect(s).toBeCloseTo(expected[i]!, 9));
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(capacity, 9);
  });
});

describe('leaseGrant (the shares in force never sum to more than the quota)', () => {
  const holders = [
    { demand: 1_600, granted: 500 },
    { demand: 300, granted: 500 },
    { demand: 300, granted: 500 },
    { demand: 300, granted: 500 },
  ];
  it('grants the fair share when the others leave room for it', () => {
    expect(leaseGrant(holders.map((h, i) => (i === 0 ? h : { ...h, granted: 300 })), 0, 2_000, false, 500)).toBe(1_100);
  });
  it('a share that grows waits for the others to shrink', () => {
    expect(leaseGrant(holders, 0, 2_000, false, 500)).toBe(500);
  });
  it('a share that shrinks shrinks at once', () => {
    expect(leaseGrant(holders, 1, 2_000, false, 500)).toBe(300);
  });
  it('while learning, grants what the client held, within what the others were granted', () => {
    expect(leaseGrant(holders, 1, 2_000, true, 500)).toBe(500);
    expect(leaseGrant([{ demand: 300, granted: 0 }, { demand: 1_600, granted: 1_800 }], 0, 2_000, true, 500)).toBe(200);
  });
  it('never grants less than nothing', () => {
    expect(leaseGrant([{ demand: 10, granted: 0 }, { demand: 10, granted: 3_000 }], 0, 2_000, false, 0)).toBe(0);
  });
});

/** The same contract for every store: `make()` returns a store and a way to let `ms` pass. */
function storeContract(name: string, make: () => { store: QuotaStore; wait(ms: number): Promise<void> }): void {
  const report = (store: QuotaStore, r: Partial<DemandReport> & Pick<DemandReport, 'key' | 'client' | 'demand' | 'quota'>) =>
    store.report({ ttlMs: 60_000, held: 0, learnMs: 0, ...r });

  describe(`the ${name} store`, () => {
    it.each(CASES)('splits as fairShare does once everyone has reported: %s', async (caseName, demands, capacity, expected) => {
      const { store } = make();
      const key = `case:${caseName}`;
      for (let i = 0; i < demands.length; i++) await report(store, { key, client: `c${i}`, demand: demands[i]!, quota: capacity });
      // The first to report took the whole quota; at the next round it gives back first, so everyone gets the fair share.
      for (let i = 0; i < demands.length; i++) {
        const grant = await report(store, { key, client: `c${i}`, demand: demands[i]!, quota: capacity });
        expect(grant.clients).toBe(demands.length);
        expect(grant.share).toBeCloseTo(expected[i]!, 6);
      }
    });

    it('while learning (a quota it starts afresh) grants only what each client held, within the quota', async () => {
      const { store, wait } = make();
      const r = (client: string, demand: number, held: number) => report(store, { key: 'learn', client, demand, quota: 2_000, held, learnMs: 300 });
      expect(await r('light', 300, 500)).toEqual({ share: 500, clients: 1 });
      expect(await r('heavy', 1_800, 1_800)).toEqual({ share: 1_500, clients: 2 });
      await wait(350);
      // Learning is over: the light client drops to its fair share, then the heavy one grows into what it left.
      expect((await r('light', 300, 500)).share).toBeCloseTo(300, 6);
      expect((await r('heavy', 1_800, 1_500)).share).toBeCloseTo(1_700, 6);
    });

    it('drops clients silent for longer than the TTL, and a client that leaves at once', async () => {
      const { store, wait } = make();
      await report(store, { key: 'ttl', client: 'old', demand: 100, quota: 100, ttlMs: 50 });
      await wait(120);
      expect(await report(store, { key: 'ttl', client: 'new', demand: 100, quota: 100, ttlMs: 50 })).toEqual({ share: 100, clients: 1 });
      await report(store, { key: 'leave', client: 'a', demand: 100, quota: 100 });
      await report(store, { key: 'leave', client: 'b', demand: 100, quota: 100 });
      await store.leave('leave', 'a');
      expect(await report(store, { key: 'leave', client: 'b', demand: 100, quota: 100 })).toEqual({ share: 100, clients: 1 });
    });
  });
}

const clock = new ManualClock();
storeContract('in-memory', () => ({
  store: memoryQuotaStore(clock),
  wait: async (ms) => void clock.advance(ms),
}));

let server: RedisServer;
let stores = 0;
let redis: Redis;
beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});
afterAll(async () => {
  await redis?.quit();
  await server?.stop();
});

storeContract('Redis (real redis-server on loopback)', () => ({
  store: redisQuotaStore({ redis, prefix: `t${stores++}:` }),
  wait: (ms) => new Promise((r) => setTimeout(r, ms)),
}));

describe('the Redis store (real redis-server on loopback)', () => {
  it('loads the script again after the server forgets it (NOSCRIPT)', async () => {
    const store = redisQuotaStore({ redis });
    const r = { key: 'flush', client: 'a', demand: 1, quota: 10, ttlMs: 60_000, held: 0, learnMs: 0 };
    await store.report(r);
    await redis.script('FLUSH');
    expect(await store.report(r)).toEqual({ share: 10, clients: 1 });
  });

  it('creates its own client from a url, fails fast while Redis is down, and closes it', async () => {
    const own = await startRedis();
    const store = redisQuotaStore({ url: own.url });
    const r = { key: 'url', client: 'a', demand: 1, quota: 10, ttlMs: 60_000, held: 0, learnMs: 0 };
    expect(await store.report(r)).toEqual({ share: 10, clients: 1 });
    await own.kill();
    // No offline queue: the report fails instead of waiting for a reconnect.
    await expect(store.report(r)).rejects.toThrow(/writeable|closed|ECONNREFUSED/);
    await store.close();
    await own.stop();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { fairShare } from '../../src/limit/fair-share.js';
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

describe('the Redis store (real redis-server on loopback)', () => {
  let server: RedisServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    await redis?.quit();
    await server?.stop();
  });

  it.each(CASES)('splits as fairShare does: %s', async (name, demands, capacity, expected) => {
    const store = redisQuotaStore({ redis });
    const key = `case:${name}`;
    for (let i = 0; i < demands.length; i++) await store.report({ key, client: `c${i}`, demand: demands[i]!, quota: capacity, ttlMs: 60_000 });
    // Once everyone has reported, each one's next report returns its share of the whole split.
    for (let i = 0; i < demands.length; i++) {
      const grant = await store.report({ key, client: `c${i}`, demand: demands[i]!, quota: capacity, ttlMs: 60_000 });
      expect(grant.clients).toBe(demands.length);
      expect(grant.share).toBeCloseTo(expected[i]!, 6);
    }
  });

  it('drops clients silent for longer than the TTL, and a client that leaves at once', async () => {
    const store = redisQuotaStore({ redis });
    await store.report({ key: 'ttl', client: 'old', demand: 100, quota: 100, ttlMs: 50 });
    await new Promise((r) => setTimeout(r, 120));
    expect(await store.report({ key: 'ttl', client: 'new', demand: 100, quota: 100, ttlMs: 50 })).toEqual({ share: 100, clients: 1 });
    await store.report({ key: 'leave', client: 'a', demand: 100, quota: 100, ttlMs: 60_000 });
    await store.report({ key: 'leave', client: 'b', demand: 100, quota: 100, ttlMs: 60_000 });
    await store.leave('leave', 'b');
    expect(await store.report({ key: 'leave', client: 'a', demand: 100, quota: 100, ttlMs: 60_000 })).toEqual({ share: 100, clients: 1 });
  });

  it('loads the script again after the server forgets it (NOSCRIPT)', async () => {
    const store = redisQuotaStore({ redis });
    await store.report({ key: 'flush', client: 'a', demand: 1, quota: 10, ttlMs: 60_000 });
    await redis.script('FLUSH');
    expect(await store.report({ key: 'flush', client: 'a', demand: 1, quota: 10, ttlMs: 60_000 })).toEqual({ share: 10, clients: 1 });
  });

  it('creates its own client from a url, fails fast while Redis is down, and closes it', async () => {
    const own = await startRedis();
    const store = redisQuotaStore({ url: own.url });
    expect(await store.report({ key: 'url', client: 'a', demand: 1, quota: 10, ttlMs: 60_000 })).toEqual({ share: 10, clients: 1 });
    await own.kill();
    // No offline queue: the report fails instead of waiting for a reconnect.
    await expect(store.report({ key: 'url', client: 'a', demand: 1, quota: 10, ttlMs: 60_000 })).rejects.toThrow(/writeable|closed|ECONNREFUSED/);
    await store.close();
    await own.stop();
  });
});

import { createHash } from 'node:crypto';
import { ConfigError } from '../core/errors.js';
import { isPlainObject, numberOption, readOptions, stringOption } from '../core/options.js';
import type { DemandReport, QuotaGrant, QuotaStore } from './quota-store.js';

/**
 * The commands the Redis store sends, as ioredis (or a compatible client) exposes them. The store
 * uses only `evalsha` and `eval` (for its two Lua scripts), and `quit` on a client it created.
 */
export interface RedisScriptClient {
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** Options of {@link redisQuotaStore}: your ioredis client, or a URL for one the store creates (and closes). */
export interface RedisQuotaStoreOptions {
  /** An ioredis client (`new Redis(...)`) you own; the store never closes it. Give this or `url`. */
  redis?: RedisScriptClient;
  /** A `redis://` URL; the store loads ioredis on first use and connects with no offline queue, so a report fails at once while Redis is down, and reconnects at most a second apart. */
  url?: string;
  /** Prefix of the store's keys (default `switchyard:quota:`). Keys are `<prefix>{<key>}:demand`, `:seen`, `:granted` and `:since`, one hash slot per quota. */
  prefix?: string;
  /** Connect timeout of a client the store creates (ms, default 1 000). */
  connectTimeoutMs?: number;
}

/**
 * The report script: records this client's demand and report time (Redis' own clock, so the
 * processes' clocks need not agree), drops clients silent for longer than the TTL, and returns
 * this client's share of the quota and the number of clients, in one round trip. The share is
 * src/limit/lease-grant.ts's rule: the max-min fair split by demand (water-filling, then spare
 * capacity in proportion to demand, equally if no one wants anything; src/limit/fair-share.ts),
 * or what the client already held while the quota is learning (for `learnMs` after its keys were
 * created: first use, or Redis lost them), and never more than the quota minus what the others
 * were last granted. Shares are returned as strings, since Redis truncates Lua numbers to integers.
 */
const REPORT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local client, capacity, ttl = ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4])
local held, learn = tonumber(ARGV[5]), tonumber(ARGV[6])
local since = tonumber(redis.call('GET', KEYS[4]))
if not since then
  since = now
  redis.call('SET', KEYS[4], now)
end
redis.call('HSET', KEYS[1], client, ARGV[2])
redis.call('ZADD', KEYS[2], now, client)
local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - ttl)
for _, id in ipairs(gone) do
  redis.call('HDEL', KEYS[1], id)
  redis.call('HDEL', KEYS[3], id)
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - ttl)
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ttl * 2) end
local flat = redis.call('HGETALL', KEYS[1])
local ids, wants, order, others, self = {}, {}, {}, 0, 0
for i = 1, #flat, 2 do
  ids[#ids + 1] = flat[i]
  wants[#wants + 1] = tonumber(flat[i + 1])
  order[#order + 1] = #ids
  if flat[i] == client then self = #ids else others = others + (tonumber(redis.call('HGET', KEYS[3], flat[i])) or 0) end
end
local n = #ids
local want = held
if now - since >= learn then
  table.sort(order, function(a, b) return wants[a] < wants[b] end)
  local left, total = capacity, 0
  for k, i in ipairs(order) do
    local give = math.min(wants[i], left / (n - k + 1))
    if i == self then want = give end
    left = left - give
    total = total + wants[i]
  end
  if left > 0 then
    if total > 0 then want = want + left * wants[self] / total else want = want + left / n end
  end
end
local grant = math.max(0, math.min(want, capacity - others))
redis.call('HSET', KEYS[3], client, tostring(grant))
return { tostring(grant), n }
`;

/** The leave script: removes a client from the split at once. */
const LEAVE_SCRIPT = `
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
`;

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

/**
 * A {@link QuotaStore} on Redis for `sharedQuota()`: each report is one `EVALSHA` of a Lua script
 * that records the demand and computes the share atomically (falling back to `EVAL` once if the
 * server does not know the script yet). Import it from `switchyard/redis`; ioredis is an optional
 * peer dependency, loaded only when a store built from a `url` first reports.
 *
 * @example
 * import { redisQuotaStore } from 'switchyard/redis';
 * const store = redisQuotaStore({ url: 'redis://127.0.0.1:6379' });
 *
 * @throws ConfigError naming the option and the bad value
 */
export function redisQuotaStore(options: RedisQuotaStoreOptions): QuotaStore {
  if (!isPlainObject(options)) throw new ConfigError('redisQuotaStore', options, 'an options object with redis or url');
  const o = readOptions(options, 'redisQuotaStore', ['redis', 'url', 'prefix', 'connectTimeoutMs'] as const);
  if ((o.redis === undefined) === (o.url === undefined)) throw new ConfigError('redisQuotaStore.redis', o.redis, 'either an ioredis client (redis) or a url, not both');
  const given = o.redis as RedisScriptClient | undefined;
  if (given !== undefined && (typeof given.evalsha !== 'function' || typeof given.eval !== 'function')) {
    throw new ConfigError('redisQuotaStore.redis', given, 'an ioredis client (with evalsha and eval)');
  }
  const url = o.url === undefined ? undefined : stringOption(o.url, 'redisQuotaStore.url');
  const prefix = stringOption(o.prefix, 'redisQuotaStore.prefix', 'switchyard:quota:');
  const connectTimeout = numberOption(o.connectTimeoutMs, 'redisQuotaStore.connectTimeoutMs', 1_000, { min: 1 });
  let created: Promise<RedisScriptClient & { quit(): Promise<unknown>; disconnect(): void }> | undefined;
  const client = (): Promise<RedisScriptClient> => {
    if (given) return Promise.resolve(given);
    created ??= import('ioredis').then(async ({ Redis }) => {
      const redis = new Redis(url!, { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout, retryStrategy: (times: number) => Math.min(times * 50, 1_000) });
      // ioredis reconnects by itself; without a listener an 'error' event would be thrown.
      redis.on('error', () => {});
      // Without an offline queue a command fails until the connection is up: wait for the first
      // outcome of connecting (ready, or an error; ioredis keeps reconnecting after one).
      await new Promise<void>((resolve) => {
        const done = (): void => {
          redis.off('ready', done);
          redis.off('error', done);
          resolve();
        };
        redis.once('ready', done);
        redis.once('error', done);
      });
      return redis as unknown as RedisScriptClient & { quit(): Promise<unknown>; disconnect(): void };
    });
    return created;
  };
  const run = async (script: string, sha: string, key: string, args: (string | number)[]): Promise<unknown> => {
    const redis = await client();
    const keys = [`${prefix}{${key}}:demand`, `${prefix}{${key}}:seen`, `${prefix}{${key}}:granted`, `${prefix}{${key}}:since`];
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      return redis.eval(script, keys.length, ...keys, ...args);
    }
  };
  const reportSha = sha1(REPORT_SCRIPT);
  const leaveSha = sha1(LEAVE_SCRIPT);
  return {
    async report({ key, client: id, demand, quota, ttlMs, held, learnMs }: DemandReport): Promise<QuotaGrant> {
      const reply = (await run(REPORT_SCRIPT, reportSha, key, [id, demand, quota, Math.ceil(ttlMs), held, Math.ceil(learnMs)])) as [string, number];
      return { share: Number(reply[0]), clients: Number(reply[1]) };
    },
    async leave(key: string, id: string): Promise<void> {
      await run(LEAVE_SCRIPT, leaveSha, key, [id]);
    },
    async close(): Promise<void> {
      if (!created) return;
      const redis = await created;
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

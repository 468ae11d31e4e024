/**
 * `switchyard/redis`: the Redis store for quotas shared across processes. ioredis is an optional
 * peer dependency: install it to use this entry point; the core `switchyard` entry never loads it.
 */
export { redisQuotaStore } from './limit/redis-quota-store.js';
export type { RedisQuotaStoreOptions, RedisScriptClient } from './limit/redis-quota-store.js';

import { describe, expectTypeOf, it } from 'vitest';
import {
  BottleneckLease,
  bottleneckLease,
  createClient,
  memoryQuotaStore,
  SharedQuota,
  sharedQuota,
  type BottleneckLeaseOptions,
  type BottleneckLeaseStats,
  type BottleneckScheduler,
  type DemandReport,
  type QuotaGrant,
  type QuotaStore,
  type SharedQuotaOptions,
  type SharedQuotaState,
  type SharedQuotaStats,
  type TokenSource,
} from '../../src/index.js';
import { redisQuotaStore, type RedisQuotaStoreOptions, type RedisScriptClient } from '../../src/redis.js';

describe('shared token sources', () => {
  it('sharedQuota is a TokenSource over a QuotaStore', () => {
    expectTypeOf(sharedQuota).parameter(0).toEqualTypeOf<SharedQuotaOptions>();
    expectTypeOf(sharedQuota).returns.toEqualTypeOf<SharedQuota>();
    expectTypeOf<SharedQuota>().toMatchTypeOf<TokenSource>();
    expectTypeOf<SharedQuota['stats']>().returns.toEqualTypeOf<SharedQuotaStats>();
    expectTypeOf<SharedQuotaStats['state']>().toEqualTypeOf<SharedQuotaState>();
    expectTypeOf<SharedQuotaOptions['store']>().toEqualTypeOf<QuotaStore>();
    expectTypeOf<QuotaStore['report']>().parameter(0).toEqualTypeOf<DemandReport>();
    expectTypeOf<QuotaStore['report']>().returns.toEqualTypeOf<Promise<QuotaGrant>>();
    expectTypeOf<DemandReport['held']>().toEqualTypeOf<number>();
    expectTypeOf(memoryQuotaStore).returns.toEqualTypeOf<QuotaStore>();
    expectTypeOf(redisQuotaStore).parameter(0).toEqualTypeOf<RedisQuotaStoreOptions>();
    expectTypeOf(redisQuotaStore).returns.toEqualTypeOf<QuotaStore>();
    expectTypeOf<RedisQuotaStoreOptions['redis']>().toEqualTypeOf<RedisScriptClient | undefined>();
  });

  it('bottleneckLease is a TokenSource over any Bottleneck-shaped scheduler', () => {
    expectTypeOf(bottleneckLease).parameter(0).toEqualTypeOf<BottleneckLeaseOptions>();
    expectTypeOf(bottleneckLease).returns.toEqualTypeOf<BottleneckLease>();
    expectTypeOf<BottleneckLease>().toMatchTypeOf<TokenSource>();
    expectTypeOf<BottleneckLeaseOptions['limiter']>().toEqualTypeOf<BottleneckScheduler>();
    expectTypeOf<BottleneckLease['stats']>().returns.toEqualTypeOf<BottleneckLeaseStats>();
  });

  it('either source plugs into the limiter option', () => {
    const source = bottleneckLease({ limiter: { schedule: async () => undefined as never } });
    expectTypeOf(createClient).toBeCallableWith({ service: 's', endpoints: ['http://127.0.0.1:1'], limiter: { source } });
  });
});

import { describe, expectTypeOf, it } from 'vitest';
import {
  createClient,
  isRetryableError,
  parseRetryAfter,
  RetryBudget,
  TokenBucket,
  type BackoffOptions,
  type BreakerOptions,
  type BulkheadOptions,
  type ClientEvents,
  type ClientOptions,
  type FallbackContext,
  type FallbackOptions,
  type FallbackReply,
  type HedgeOptions,
  type LimiterOptions,
  type Reply,
  type RetryBudgetOptions,
  type RetryOptions,
} from '../../src/index.js';

describe('resilience options', () => {
  it('takes each layer as false or its options object', () => {
    expectTypeOf<ClientOptions['breaker']>().toEqualTypeOf<BreakerOptions | false | undefined>();
    expectTypeOf<ClientOptions['retry']>().toEqualTypeOf<RetryOptions | false | undefined>();
    expectTypeOf<ClientOptions['hedge']>().toEqualTypeOf<HedgeOptions | false | undefined>();
    expectTypeOf<ClientOptions['limiter']>().toEqualTypeOf<LimiterOptions | false | undefined>();
    expectTypeOf<ClientOptions['bulkhead']>().toEqualTypeOf<BulkheadOptions | false | undefined>();
    expectTypeOf<ClientOptions['fallback']>().toEqualTypeOf<FallbackOptions | false | undefined>();
  });

  it('accepts the shapes of the documented public contract', () => {
    expectTypeOf(createClient).toBeCallableWith({
      service: 'payments',
      endpoints: ['http://127.0.0.1:8081'],
      breaker: { errorThresholdPercentage: 50, resetTimeout: 10_000, volumeThreshold: 10 },
      retry: { retries: 2, budget: { ratio: 0.2, minPerSecond: 10 } },
      limiter: { rate: 1000, burst: 100, maxWait: 0 },
      hedge: { percentile: 95 },
      bulkhead: { maxConcurrent: 64, maxQueue: 128 },
      fallback: { handler: () => ({ status: 200, body: 'cached' }), statuses: [503] },
    });
  });

  it('types the nested options', () => {
    expectTypeOf<RetryOptions['budget']>().toEqualTypeOf<RetryBudgetOptions | false | undefined>();
    expectTypeOf<RetryOptions['backoff']>().toEqualTypeOf<BackoffOptions | undefined>();
    expectTypeOf<RetryOptions['isRetryableError']>().toEqualTypeOf<((error: unknown) => boolean) | undefined>();
    expectTypeOf<BreakerOptions['isFailureStatus']>().toEqualTypeOf<((status: number) => boolean) | undefined>();
    expectTypeOf<BreakerOptions['consecutive5xx']>().toEqualTypeOf<number | false | undefined>();
    expectTypeOf<BreakerOptions['consecutiveGatewayFailure']>().toEqualTypeOf<number | false | undefined>();
    expectTypeOf<Extract<LimiterOptions, { rate: number }>['rate']>().toEqualTypeOf<number>();
    expectTypeOf<FallbackOptions['handler']>().parameter(0).toEqualTypeOf<FallbackContext>();
    expectTypeOf<FallbackOptions['handler']>().returns.toEqualTypeOf<FallbackReply | Promise<FallbackReply>>();
    expectTypeOf<FallbackContext['reply']>().toEqualTypeOf<Pick<Reply, 'status' | 'headers'> | undefined>();
  });

  it('types the resilience events', () => {
    expectTypeOf<ClientEvents['budget-exhausted']['kind']>().toEqualTypeOf<'retry' | 'hedge'>();
    expectTypeOf<ClientEvents['retry']['delayMs']>().toEqualTypeOf<number>();
    expectTypeOf<ClientEvents['rate-limited']['rejected']>().toEqualTypeOf<boolean>();
  });
});

describe('resilience building blocks', () => {
  it('exposes the token bucket and the retry budget with clock times as numbers', () => {
    expectTypeOf(TokenBucket).constructorParameters.toEqualTypeOf<[{ readonly rate: number; readonly burst: number }, number]>();
    expectTypeOf<TokenBucket['tryAcquire']>().toEqualTypeOf<(now: number) => boolean>();
    expectTypeOf<RetryBudget['tryWithdraw']>().toEqualTypeOf<(now: number) => boolean>();
    expectTypeOf(parseRetryAfter).returns.toEqualTypeOf<number | undefined>();
    expectTypeOf(isRetryableError).toEqualTypeOf<(error: unknown) => boolean>();
  });
});

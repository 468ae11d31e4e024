import { describe, expect, it } from 'vitest';
import { ConfigError, createClient, type ClientOptions } from '../../src/index.js';

const base = { service: 'svc', endpoints: ['http://127.0.0.1:1'] };

function configError(options: Partial<ClientOptions> & Record<string, unknown>): ConfigError {
  try {
    createClient({ ...base, ...options } as ClientOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('createClient accepted the options');
}

describe('resilience options', () => {
  it.each([
    [{ breaker: { errorThresholdPercentage: 150 } }, 'breaker.errorThresholdPercentage', 150],
    [{ breaker: { volumeThreshold: 1.5 } }, 'breaker.volumeThreshold', 1.5],
    [{ breaker: { rollingCountTimeout: 10_000, rollingCountBuckets: 3 } }, 'breaker.rollingCountBuckets', 3],
    [{ breaker: { halfOpenProbes: 0 } }, 'breaker.halfOpenProbes', 0],
    [{ breaker: { isFailureStatus: 500 } }, 'breaker.isFailureStatus', 500],
    [{ breaker: { timeout: 1_000 } }, 'breaker.timeout', 1_000],
    [{ retry: { retries: -1 } }, 'retry.retries', -1],
    [{ retry: { statuses: [503, 'x'] } }, 'retry.statuses[1]', 'x'],
    [{ retry: { backoff: { initial: 100, max: 50 } } }, 'retry.backoff.max', 50],
    [{ retry: { backoff: { jitter: true } } }, 'retry.backoff.jitter', true],
    [{ retry: { budget: { ratio: -0.1 } } }, 'retry.budget.ratio', -0.1],
    [{ retry: true }, 'retry', true],
    [{ hedge: { percentile: 100 } }, 'hedge.percentile', 100],
    [{ hedge: { budget: false } }, 'hedge.budget', false],
    [{ limiter: { burst: 5 } }, 'limiter.rate', undefined],
    [{ limiter: { rate: 0 } }, 'limiter.rate', 0],
    [{ limiter: { rate: 10, maxWait: -1 } }, 'limiter.maxWait', -1],
    [{ bulkhead: { maxConcurrent: 0 } }, 'bulkhead.maxConcurrent', 0],
    [{ bulkhead: { maxQueue: 1.5 } }, 'bulkhead.maxQueue', 1.5],
    [{ fallback: { statuses: [503] } }, 'fallback.handler', undefined],
    [{ fallback: { handler: () => ({}), statuses: [99] } }, 'fallback.statuses[0]', 99],
  ])('rejects %j naming %s', (options, option, value) => {
    const error = configError(options as Record<string, unknown>);
    expect(error.option).toBe(option);
    expect(error.value).toEqual(value);
    expect(error.message).toContain(option);
  });

  it('accepts false for every layer, and the documented shapes', async () => {
    const off = createClient({ ...base, breaker: false, retry: false, hedge: false, limiter: false, bulkhead: false, fallback: false });
    const on = createClient({
      ...base,
      breaker: { errorThresholdPercentage: 50, resetTimeout: 10_000, volumeThreshold: 10 },
      retry: { retries: 2, budget: { ratio: 0.2, minPerSecond: 10 } },
      hedge: { percentile: 95 },
      limiter: { rate: 1000, burst: 100, maxWait: 0 },
      bulkhead: { maxConcurrent: 10, maxQueue: 5 },
      fallback: { handler: () => ({ status: 200, body: 'cached' }) },
    });
    await Promise.all([off.close(), on.close()]);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { seededRng } from '../../src/core/rng.js';
import { createClient } from '../../src/index.js';
import { parseConcurrencyLimitOptions } from '../../src/limit/concurrency-options.js';
import { parseThrottleOptions } from '../../src/limit/throttle-options.js';

const configError = (f: () => unknown): ConfigError => {
  try {
    f();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('no ConfigError');
};

describe('concurrencyLimit option', () => {
  it('is off unless given, and builds each algorithm with the documented defaults', () => {
    expect(parseConcurrencyLimitOptions(undefined)).toBe(false);
    expect(parseConcurrencyLimitOptions(false)).toBe(false);
    for (const algorithm of ['aimd', 'vegas', 'gradient2'] as const) {
      const settings = parseConcurrencyLimitOptions({ algorithm });
      expect(settings && settings.create(seededRng(1)).limit).toBe(20);
    }
    const fixed = parseConcurrencyLimitOptions({ algorithm: 'fixed', limit: 7 });
    expect(fixed && fixed.create(seededRng(1)).limit).toBe(7);
  });

  it('takes a ConcurrencyLimit object as is', () => {
    const mine = { limit: 3, onSample: () => {} };
    const settings = parseConcurrencyLimitOptions(mine);
    expect(settings && settings.create(seededRng(1))).toBe(mine);
  });

  it.each([
    [{ algorithm: 'cubic' }, 'concurrencyLimit.algorithm', 'cubic'],
    [{ algorithm: 'aimd', backoffRatio: 0.2 }, 'concurrencyLimit.backoffRatio', 0.2],
    [{ algorithm: 'aimd', timeoutMs: 0 }, 'concurrencyLimit.timeoutMs', 0],
    [{ algorithm: 'vegas', smoothing: 0 }, 'concurrencyLimit.smoothing', 0],
    [{ algorithm: 'gradient2', longWindow: 1.5 }, 'concurrencyLimit.longWindow', 1.5],
    [{ algorithm: 'gradient2', minLimit: 10, maxLimit: 5 }, 'concurrencyLimit.maxLimit', 5],
    [{ algorithm: 'gradient2', initialLimit: 500 }, 'concurrencyLimit.initialLimit', 500],
    [{ algorithm: 'gradient2', queueSize: -1 }, 'concurrencyLimit.queueSize', -1],
    [{ algorithm: 'fixed' }, 'concurrencyLimit.limit', undefined],
    [{ algorithm: 'fixed', limit: 0 }, 'concurrencyLimit.limit', 0],
    [{ algorithm: 'vegas', backoffRatio: 0.9 }, 'concurrencyLimit.backoffRatio', 0.9],
    [{ limit: 0, onSample: () => {} }, 'concurrencyLimit.limit', 0],
    ['gradient2', 'concurrencyLimit', 'gradient2'],
  ])('rejects %j naming %s', (value, option, bad) => {
    const error = configError(() => createClient({ service: 's', endpoints: ['http://127.0.0.1:1'], concurrencyLimit: value as never }));
    expect(error.option).toBe(option);
    expect(error.value).toEqual(bad);
    expect(error.message).toContain(option);
  });
});

describe('throttle option', () => {
  it('is off unless given; true takes K = 2 over two minutes', () => {
    expect(parseThrottleOptions(undefined)).toBe(false);
    expect(parseThrottleOptions(false)).toBe(false);
    expect(parseThrottleOptions(true)).toEqual({ k: 2, windowMs: 120_000 });
    expect(parseThrottleOptions({ k: 1.5, windowMs: 30_000 })).toEqual({ k: 1.5, windowMs: 30_000 });
  });

  it.each([
    [{ k: 0.5 }, 'throttle.k', 0.5],
    [{ windowMs: 0 }, 'throttle.windowMs', 0],
    [{ ratio: 2 }, 'throttle.ratio', 2],
    ['on', 'throttle', 'on'],
  ])('rejects %j naming %s', (value, option, bad) => {
    const error = configError(() => createClient({ service: 's', endpoints: ['http://127.0.0.1:1'], throttle: value as never }));
    expect(error.option).toBe(option);
    expect(error.value).toEqual(bad);
  });
});

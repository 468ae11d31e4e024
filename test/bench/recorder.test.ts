import { describe, expect, it } from 'vitest';
import { RunRecorder } from '../../bench/load/recorder.js';

describe('the run recorder', () => {
  it('reports percentiles, max and the exact mean of what it recorded, in ms', () => {
    const r = new RunRecorder();
    for (let i = 1; i <= 1_000; i++) r.record(i, i / 10, 'ok');
    const result = r.finish('p2c', 1_000, { a: 600, b: 400 });
    expect(result.latency.p50).toBeCloseTo(50, 1);
    expect(result.latency.p90).toBeCloseTo(90, 1);
    expect(result.latency.p99).toBeCloseTo(99, 1);
    expect(result.latency.max).toBeCloseTo(100, 1);
    expect(result.latency.mean).toBeCloseTo(50.05, 9);
    expect(result).toMatchObject({ strategy: 'p2c', offered: 1_000, offeredRate: 1_000, achievedRate: 1_000, successPct: 100, backendRequests: { a: 600, b: 400 } });
  });

  it('ignores warm-up requests (intended before time zero)', () => {
    const r = new RunRecorder();
    r.record(-1, 500, 'timeout');
    r.record(0, 2, 'ok');
    const result = r.finish('x', 1_000, {});
    expect(result.offered).toBe(1);
    expect(result.latency.max).toBeCloseTo(2, 2);
    expect(result.failures).toEqual({ status: 0, timeout: 0, error: 0 });
  });

  it('counts failures by kind and leaves them out of the success rate and achieved rate', () => {
    const r = new RunRecorder();
    const outcomes = ['ok', 'ok', 'status', 'timeout', 'error'] as const;
    outcomes.forEach((o, i) => r.record(i, 1, o));
    const result = r.finish('x', 500, {});
    expect(result.successPct).toBe(40);
    expect(result.achievedRate).toBe(4);
    expect(result.offeredRate).toBe(10);
    expect(result.failures).toEqual({ status: 1, timeout: 1, error: 1 });
  });

  it('gives CDF points in increasing latency and percentile, ending at the max', () => {
    const r = new RunRecorder();
    for (let i = 0; i < 10_000; i++) r.record(i, 1 + (i % 100), 'ok');
    const { cdf } = r.finish('x', 1_000, {});
    expect(cdf[cdf.length - 1]![1]).toBe(100);
    expect(cdf.every(([ms, p], i) => i === 0 || (ms > cdf[i - 1]![0] && p > cdf[i - 1]![1]))).toBe(true);
  });
});

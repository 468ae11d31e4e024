/**
 * The system clock honours delays above Node's 2^31−1 ms timer limit with a chain of timers:
 * checked on real timers, since the limit is Node's own.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chainedTimers, ManualClock, MAX_TIMER_MS } from '../../src/core/clock.js';
import { systemClock } from '../../src/index.js';

const warnings: Error[] = [];
const onWarning = (warning: Error): void => void warnings.push(warning);
afterEach(() => {
  process.off('warning', onWarning);
  warnings.length = 0;
});

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('systemClock', () => {
  it('does not fire a 3e9 ms timer after 1 ms, and raises no TimeoutOverflowWarning', async () => {
    process.on('warning', onWarning);
    let fired = 0;
    const timer = systemClock.setTimeout(() => fired++, 3_000_000_000);
    await wait(50);
    systemClock.clearTimeout(timer);
    expect(fired).toBe(0);
    expect(warnings.map((w) => w.name)).not.toContain('TimeoutOverflowWarning');
  });

  it('chains Node timers until the delay has passed (links of 10 ms for a 45 ms delay)', async () => {
    const clock = chainedTimers(systemClock, 10);
    const start = performance.now();
    const firedAt = await new Promise<number>((resolve) => clock.setTimeout(() => resolve(performance.now()), 45));
    // Never early; a loaded machine may make it late, so no upper bound.
    expect(firedAt - start).toBeGreaterThanOrEqual(44);
  });

  it('clears a chained timer wherever the chain is', async () => {
    const clock = chainedTimers(systemClock, 5);
    let fired = 0;
    const timer = clock.setTimeout(() => fired++, 30);
    await wait(12);
    clock.clearTimeout(timer);
    await wait(40);
    expect(fired).toBe(0);
  });
});

describe('chainedTimers', () => {
  it('arms links of at most maxMs and fires once, at the due time', () => {
    const manual = new ManualClock();
    const delays: number[] = [];
    const clock = chainedTimers({
      now: () => manual.now(),
      wallNow: () => manual.wallNow(),
      setTimeout: (fn, ms) => {
        delays.push(ms);
        return manual.setTimeout(fn, ms);
      },
      clearTimeout: (handle) => manual.clearTimeout(handle),
    });
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(manual.now()), 5_000_000_000);
    manual.advance(4_999_999_999);
    expect(fired).toEqual([]);
    manual.advance(1);
    expect(fired).toEqual([5_000_000_000]);
    expect(delays).toEqual([MAX_TIMER_MS, MAX_TIMER_MS, 5_000_000_000 - 2 * MAX_TIMER_MS]);
    expect(manual.pendingTimers).toBe(0);
  });

  it('passes delays up to maxMs straight to the clock', () => {
    const manual = new ManualClock();
    const clock = chainedTimers(manual, 100);
    const handle = clock.setTimeout(() => {}, 100);
    expect(manual.pendingTimers).toBe(1);
    clock.clearTimeout(handle);
    expect(manual.pendingTimers).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { ManualClock, seededRng } from '../../src/index.js';
import { sleep } from '../../src/core/clock.js';
import { randomInt } from '../../src/core/rng.js';

describe('ManualClock', () => {
  it('fires timers in due order, ties in arming order, only when advanced past them', () => {
    const clock = new ManualClock(100);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 20);
    clock.advance(9);
    expect(fired).toEqual([]);
    clock.advance(11);
    expect(fired).toEqual(['a@110', 'b@120', 'c@120']);
    expect(clock.now()).toBe(120);
  });

  it('fires timers armed by a firing timer when they fall due within the same advance', () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 5);
    }, 5);
    clock.advance(10);
    expect(fired).toEqual([5, 10]);
  });

  it('does not fire a cleared timer, and counts pending ones', () => {
    const clock = new ManualClock();
    const handle = clock.setTimeout(() => {
      throw new Error('cleared timer fired');
    }, 1);
    expect(clock.pendingTimers).toBe(1);
    clock.clearTimeout(handle);
    clock.advance(5);
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps wall time in step with monotonic time', () => {
    const clock = new ManualClock(0, Date.UTC(2026, 10, 21));
    clock.advance(1_500);
    expect(clock.wallNow()).toBe(Date.UTC(2026, 10, 21) + 1_500);
  });
});

describe('sleep', () => {
  it('resolves when the clock reaches the delay', async () => {
    const clock = new ManualClock();
    let done = false;
    const p = sleep(clock, 50).then(() => (done = true));
    clock.advance(49);
    await Promise.resolve();
    expect(done).toBe(false);
    clock.advance(1);
    await p;
    expect(done).toBe(true);
  });

  it("rejects with the signal's reason and releases its timer on abort", async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const p = sleep(clock, 1_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    expect(clock.pendingTimers).toBe(0);
    await expect(sleep(clock, 10, controller.signal)).rejects.toThrow('stop');
  });
});

describe('seededRng', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const a = seededRng(42);
    const b = seededRng(42);
    const c = seededRng(43);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(seqA);
  });

  it('is uniform on [0, 1) within 1 % per decile over 100k draws', () => {
    const rng = seededRng(7);
    const bins = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const x = rng.next();
      expect(x >= 0 && x < 1).toBe(true);
      bins[Math.floor(x * 10)]!++;
    }
    for (const count of bins) expect(Math.abs(count - 10_000)).toBeLessThan(1_000);
  });

  it('randomInt stays in [0, n)', () => {
    const rng = seededRng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 1_000; i++) seen.add(randomInt(rng, 3));
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });
});

import { describe, expect, it } from 'vitest';
import { RetryBudget } from '../../src/retry/retry-budget.js';

describe('retry budget', () => {
  it('allows ratio × requests retries when there is no floor', () => {
    const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 0, windowMs: 10_000 }, 0);
    expect(budget.tryWithdraw(0)).toBe(false);
    for (let i = 0; i < 5; i++) budget.deposit(0);
    expect(budget.tryWithdraw(0)).toBe(true);
    expect(budget.tryWithdraw(0)).toBe(false);
    for (let i = 0; i < 10; i++) budget.deposit(0);
    expect(budget.balance(0)).toBeCloseTo(2, 9);
    expect([budget.tryWithdraw(0), budget.tryWithdraw(0), budget.tryWithdraw(0)]).toEqual([true, true, false]);
  });

  it('adds a floor of minPerSecond × window seconds for quiet clients', () => {
    const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 10, windowMs: 10_000 }, 0);
    let allowed = 0;
    while (budget.tryWithdraw(0)) allowed++;
    expect(allowed).toBe(100);
    for (let i = 0; i < 10; i++) budget.deposit(0);
    expect(budget.tryWithdraw(0)).toBe(true);
    expect(budget.tryWithdraw(0)).toBe(true);
    expect(budget.tryWithdraw(0)).toBe(false);
  });

  it('forgets requests and retries once they leave the sliding window', () => {
    const budget = new RetryBudget({ ratio: 0.5, minPerSecond: 0, windowMs: 10_000 }, 0);
    for (let i = 0; i < 4; i++) budget.deposit(0);
    expect(budget.tryWithdraw(500)).toBe(true);
    expect(budget.tryWithdraw(500)).toBe(true);
    expect(budget.tryWithdraw(9_999)).toBe(false);
    // The slice written at t=0 expires when the window has moved ten slices past it.
    expect(budget.balance(9_999)).toBe(0);
    expect(budget.balance(10_000)).toBe(0);
    budget.deposit(10_000);
    budget.deposit(10_000);
    expect(budget.tryWithdraw(10_000)).toBe(true);
    expect(budget.tryWithdraw(10_000)).toBe(false);
  });

  it('holds an outage to 1 + ratio times the load, plus the floor per window', () => {
    const ratio = 0.2;
    const budget = new RetryBudget({ ratio, minPerSecond: 1, windowMs: 1_000 }, 0);
    let requests = 0;
    let retries = 0;
    for (let t = 0; t < 20_000; t += 7) {
      budget.deposit(t);
      requests++;
      // Every request wants two retries, as in an outage.
      for (let k = 0; k < 2; k++) if (budget.tryWithdraw(t)) retries++;
    }
    // 20 windows of 1 s, each with a floor of 1 retry.
    expect(retries).toBeLessThanOrEqual(ratio * requests + 21);
    // And the budget is spent, not starved: at least the ratio itself is allowed.
    expect(retries).toBeGreaterThanOrEqual(ratio * requests);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutcomeWindow } from '../../src/breaker/outcome-window.js';

describe('a breaker rolling window', () => {
  it('counts attempts and failures in the current bucket', () => {
    const window = new OutcomeWindow(10, 0);
    for (let i = 0; i < 3; i++) window.attempt(0);
    window.failure(0);
    expect([window.attempts, window.failures]).toEqual([3, 1]);
  });

  it('takes back an attempt that was never sent from the current bucket, never below zero', () => {
    const window = new OutcomeWindow(3, 0);
    window.attempt(0);
    window.attempt(0);
    window.withdraw(0);
    expect(window.attempts).toBe(1);
    window.withdraw(1);
    expect(window.attempts).toBe(1);
  });

  it('keeps a bucket for `buckets` rotations, then forgets it', () => {
    const window = new OutcomeWindow(3, 0);
    window.attempt(0);
    window.failure(0);
    window.attempt(2);
    expect([window.attempts, window.failures]).toEqual([2, 1]);
    window.attempt(3);
    expect([window.attempts, window.failures]).toEqual([2, 0]);
  });

  it('catches up with any number of rotations at once, and starts from the rotation count it is given', () => {
    const window = new OutcomeWindow(4, 100);
    window.attempt(100);
    window.attempt(101);
    window.failure(1_000);
    expect([window.attempts, window.failures]).toEqual([0, 1]);
  });

  it('always holds exactly the outcomes of the last `buckets` rotations', () => {
    const event = fc.record({ advance: fc.nat(4), failure: fc.boolean() });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(event, { maxLength: 200 }), (buckets, events) => {
        const window = new OutcomeWindow(buckets, 0);
        const seen: Array<{ epoch: number; failure: boolean }> = [];
        let epoch = 0;
        for (const e of events) {
          epoch += e.advance;
          if (e.failure) window.failure(epoch);
          else window.attempt(epoch);
          seen.push({ epoch, failure: e.failure });
          const live = seen.filter((s) => s.epoch > epoch - buckets);
          expect(window.attempts).toBe(live.filter((s) => !s.failure).length);
          expect(window.failures).toBe(live.filter((s) => s.failure).length);
        }
      }),
    );
  });
});

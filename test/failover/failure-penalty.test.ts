import { describe, expect, it } from 'vitest';
import { failureLatency, LoadTracker } from '../../src/balance/load-tracker.js';
import type { AttemptOutcomeKind } from '../../src/core/attempt-outcome.js';
import { createCall } from '../../src/core/call.js';
import type { ManualClock } from '../../src/core/clock.js';
import type { EndpointState } from '../../src/fleet/endpoint-state.js';
import { leastResponseTime, peakEwma, seededRng } from '../../src/index.js';
import { endpoints, fleetOf, pickerFor, share } from '../balance/support/fleet.js';

/** Ends an attempt on `endpoint` sent at `startedAt` as the completion seam would tell the load tracker. */
function end(tracker: LoadTracker, endpoint: EndpointState, kind: AttemptOutcomeKind, startedAt: number, endedAt: number): void {
  tracker.attemptEnded({ kind, endpoint, call: createCall({ service: 'svc' }), startedAt, endedAt, reply: undefined, error: undefined });
}

// Issue 11 item 6: a refused connection takes under 1 ms, so peak-EWMA and least-response-time
// ranked a dead endpoint as the best one.
describe('a failed attempt counts as a latency penalty', () => {
  it('max(observed, 2 × the estimate as of now, 100 ms): the floor without history, doubling with each failure, the observed time when longer', () => {
    expect(failureLatency(0.4, 0)).toBe(100);
    expect(failureLatency(0.4, 300)).toBe(600);
    expect(failureLatency(2_000, 300)).toBe(2_000);
  });

  it('the load tracker records the penalty for failures only (manual clock)', () => {
    const { fleet, clock } = fleetOf(endpoints(2));
    const tracker = new LoadTracker(fleet, clock);
    const [e0, e1] = fleet.snapshot.members;
    tracker.attemptStarted(e0!);
    end(tracker, e0!, 'ok', 0, 2);
    expect(e0!.ewmaAt(2)).toBe(2);
    clock.advance(10);
    tracker.attemptStarted(e0!);
    end(tracker, e0!, 'failure', 10, 10.5);
    expect(e0!.ewmaAt(10.5)).toBe(100);
    tracker.attemptStarted(e0!);
    end(tracker, e0!, 'failure', 10.5, 11);
    expect(e0!.ewmaAt(11)).toBeCloseTo(200, 1);
    tracker.attemptStarted(e1!);
    end(tracker, e1!, 'aborted', 0, 0.5);
    expect(e1!.ewmaAt(0.5)).toBe(0.5);
  });

  describe.each([
    ['peak-ewma', peakEwma],
    ['least-response-time', leastResponseTime],
  ] as const)('%s', (_name, balancer) => {
    /** A request every ms for `ms`; e0 refuses in 0.3 ms, the others answer in 2 ms. Returns the picks. */
    function run(clock: ManualClock, tracker: LoadTracker, pick: () => EndpointState, ms: number): string[] {
      const picks: string[] = [];
      for (let i = 0; i < ms; i++) {
        const state = pick();
        picks.push(state.id);
        const started = clock.now();
        const dead = state.id === 'e0';
        tracker.attemptStarted(state);
        clock.setTimeout(() => end(tracker, state, dead ? 'failure' : 'ok', started, clock.now()), dead ? 0.3 : 2);
        clock.advance(1);
      }
      return picks;
    }

    it('sends a dead endpoint that refuses in 0.3 ms almost nothing: under 1 % of 5 000 picks after its first failure', async () => {
      const { fleet, clock } = fleetOf(endpoints(4));
      const tracker = new LoadTracker(fleet, clock);
      const picker = await pickerFor(balancer(), fleet, clock, seededRng(6));
      const picks = run(clock, tracker, () => picker.pick(createCall({ service: 'svc' }), clock.now())!, 5_000);
      // The only picks left are one probe per staleness limit (2 s).
      expect(share(picks.slice(10), 'e0')).toBeLessThan(0.01);
    });
  });
});

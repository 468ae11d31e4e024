import { describe, expect, it } from 'vitest';
import { Bulkhead } from '../../src/bulkhead/bulkhead.js';
import type { Reply } from '../../src/core/call.js';
import { ManualClock } from '../../src/core/clock.js';
import { BulkheadFullError, TimeoutError } from '../../src/core/errors.js';
import { call, flush, reply } from './fakes.js';

/** A `next` whose replies the test releases one by one. */
function gate() {
  const waiting: Array<(r: Reply) => void> = [];
  let started = 0;
  return {
    next: () => {
      started++;
      return new Promise<Reply>((resolve) => waiting.push(resolve));
    },
    release: () => waiting.shift()!(reply(200)),
    get started() {
      return started;
    },
  };
}

describe('bulkhead', () => {
  it('runs maxConcurrent calls, queues maxQueue more and rejects the rest with BulkheadFullError', async () => {
    const clock = new ManualClock();
    const bulkhead = new Bulkhead({ maxConcurrent: 2, maxQueue: 1 }, { clock });
    const g = gate();
    const calls = [0, 1, 2].map(() => bulkhead.middleware(call(0), g.next));
    const error = await bulkhead.middleware(call(0), g.next).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BulkheadFullError);
    expect((error as BulkheadFullError).code).toBe('SWITCHYARD_BULKHEAD_FULL');
    expect([g.started, bulkhead.active, bulkhead.queued]).toEqual([2, 2, 1]);
    g.release();
    await calls[0];
    await flush();
    expect([g.started, bulkhead.active, bulkhead.queued]).toEqual([3, 2, 0]);
    g.release();
    g.release();
    await Promise.all(calls);
    expect([bulkhead.active, bulkhead.queued]).toEqual([0, 0]);
  });

  it('admits queued calls in arrival order', async () => {
    const clock = new ManualClock();
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 3 }, { clock });
    const order: number[] = [];
    const g = gate();
    const first = bulkhead.middleware(call(0), g.next);
    const queued = [1, 2, 3].map((i) => bulkhead.middleware(call(0), () => (order.push(i), Promise.resolve(reply(200)))));
    g.release();
    await Promise.all([first, ...queued]);
    expect(order).toEqual([1, 2, 3]);
  });

  it('lets a queued call leave on abort or deadline, freeing its queue place', async () => {
    const clock = new ManualClock();
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 2 }, { clock });
    const g = gate();
    const running = bulkhead.middleware(call(0), g.next);
    const controller = new AbortController();
    const aborted = bulkhead.middleware(call(0, { signal: controller.signal }), g.next);
    const late = bulkhead.middleware(call(0, { deadline: 300, timeout: { attempt: 10_000, total: 300, body: Infinity } }), g.next);
    controller.abort(new Error('caller left'));
    await expect(aborted).rejects.toThrow('caller left');
    expect(bulkhead.queued).toBe(1);
    clock.advance(300);
    const error = await late.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ kind: 'total', timeoutMs: 300 });
    expect([bulkhead.queued, clock.pendingTimers]).toEqual([0, 0]);
    g.release();
    await running;
    expect(bulkhead.active).toBe(0);
  });
});

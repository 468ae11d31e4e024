import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { AttemptTimeouts, Expiring } from '../../src/transport/attempt-timeouts.js';

/** An entry that records the clock time it expired at. */
class Probe extends Expiring {
  readonly expiredAt: number[] = [];

  constructor(readonly clock: ManualClock) {
    super();
  }

  expire(): void {
    this.expiredAt.push(this.clock.now());
  }
}

function setup(common = 200) {
  const clock = new ManualClock();
  return { clock, timeouts: new AttemptTimeouts(clock, common), probe: () => new Probe(clock) };
}

describe('attempt timeouts', () => {
  it('clear() forgets every entry, of the common timeout or not, and leaves no clock timer', () => {
    const { clock, timeouts, probe } = setup();
    const [a, b, c] = [probe(), probe(), probe()];
    timeouts.add(a, 200, clock.now());
    timeouts.add(b, 200, clock.now());
    timeouts.add(c, 50, clock.now());
    expect(clock.pendingTimers).toBe(2);
    timeouts.clear();
    expect(clock.pendingTimers).toBe(0);
    clock.advance(1_000);
    expect([a.expiredAt, b.expiredAt, c.expiredAt]).toEqual([[], [], []]);
  });

  it('expires an entry exactly at its deadline, not a millisecond before', () => {
    const { clock, timeouts, probe } = setup();
    const a = probe();
    timeouts.add(a, 200, clock.now());
    clock.advance(199);
    expect(a.expiredAt).toEqual([]);
    clock.advance(1);
    expect(a.expiredAt).toEqual([200]);
  });

  it('keeps every entry of the common timeout behind one clock timer', () => {
    const { clock, timeouts, probe } = setup();
    const entries = [probe(), probe(), probe()];
    entries.forEach((e, i) => {
      clock.advance(i * 10);
      timeouts.add(e, 200, clock.now());
    });
    expect(clock.pendingTimers).toBe(1);
    clock.advance(200);
    expect(entries.map((e) => e.expiredAt)).toEqual([[200], [210], [230]]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('re-arms for the next deadline when the oldest entry was removed before its own', () => {
    const { clock, timeouts, probe } = setup();
    const first = probe();
    const second = probe();
    timeouts.add(first, 200, clock.now());
    clock.advance(50);
    timeouts.add(second, 200, clock.now());
    timeouts.remove(first);
    clock.advance(150);
    expect(second.expiredAt).toEqual([]);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(50);
    expect(second.expiredAt).toEqual([250]);
    expect(first.expiredAt).toEqual([]);
  });

  it('lets the timer of an emptied list lapse at its deadline, and arms none after it', () => {
    const { clock, timeouts, probe } = setup();
    const a = probe();
    const b = probe();
    timeouts.add(a, 200, 0);
    timeouts.add(b, 200, 0);
    timeouts.remove(b);
    timeouts.remove(a);
    timeouts.remove(a);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(200);
    expect(clock.pendingTimers).toBe(0);
    clock.advance(1_000);
    expect([a.expiredAt, b.expiredAt]).toEqual([[], []]);
  });

  it('arms one clock timer, not one per entry, for entries that come and go one after another', () => {
    const { clock, timeouts, probe } = setup();
    let armed = 0;
    const setTimeout = clock.setTimeout.bind(clock);
    clock.setTimeout = (fn, ms) => {
      armed++;
      return setTimeout(fn, ms);
    };
    const entries = Array.from({ length: 50 }, probe);
    for (const e of entries) {
      timeouts.add(e, 200, clock.now());
      timeouts.remove(e);
      clock.advance(1);
    }
    expect(armed).toBe(1);
    // The last one is still timed exactly: the lapsing timer re-arms for it.
    const last = probe();
    timeouts.add(last, 200, clock.now());
    clock.advance(200);
    expect(last.expiredAt).toEqual([250]);
    expect(armed).toBe(2);
    expect(entries.every((e) => e.expiredAt.length === 0)).toBe(true);
  });

  it('re-arms for a new head due before the lapsing timer', () => {
    const { clock, timeouts, probe } = setup();
    const long = probe();
    timeouts.add(long, 200, 0);
    timeouts.remove(long);
    const short = probe();
    clock.advance(10);
    timeouts.add(short, 50, clock.now());
    clock.advance(50);
    expect(short.expiredAt).toEqual([60]);
  });

  it('gives a shorter, uncommon delay (an attempt cut by the call deadline) its own timer', () => {
    const { clock, timeouts, probe } = setup();
    const common = probe();
    const cut = probe();
    const removed = probe();
    timeouts.add(common, 200, 0);
    timeouts.add(cut, 70, 0);
    timeouts.add(removed, 90, 0);
    expect(clock.pendingTimers).toBe(3);
    timeouts.remove(removed);
    clock.advance(200);
    expect([common.expiredAt, cut.expiredAt, removed.expiredAt]).toEqual([[200], [70], []]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('lets an expiring entry add another one while the list is firing', () => {
    const { clock, timeouts } = setup();
    const later = new Probe(clock);
    const chain = new (class extends Probe {
      override expire(): void {
        super.expire();
        timeouts.add(later, 200, clock.now());
      }
    })(clock);
    timeouts.add(chain, 200, 0);
    clock.advance(400);
    expect([chain.expiredAt, later.expiredAt]).toEqual([[200], [400]]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('expires each entry once, at its deadline, unless removed first (any interleaving)', () => {
    type Op = { kind: 'add'; delay: number } | { kind: 'remove'; index: number } | { kind: 'advance'; ms: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), delay: fc.oneof(fc.constant(100), fc.integer({ min: 1, max: 150 })) }),
      fc.record({ kind: fc.constant('remove' as const), index: fc.nat(40) }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 120 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const { clock, timeouts } = setup(100);
        const entries: { probe: Probe; deadline: number; removedAt: number | undefined }[] = [];
        for (const o of ops) {
          if (o.kind === 'add') {
            const probe = new Probe(clock);
            timeouts.add(probe, o.delay, clock.now());
            entries.push({ probe, deadline: clock.now() + o.delay, removedAt: undefined });
          } else if (o.kind === 'remove') {
            const entry = entries[o.index];
            if (entry) {
              timeouts.remove(entry.probe);
              entry.removedAt ??= clock.now();
            }
          } else {
            clock.advance(o.ms);
          }
        }
        clock.advance(1_000);
        for (const { probe, deadline, removedAt } of entries) {
          const removedInTime = removedAt !== undefined && removedAt < deadline;
          expect(probe.expiredAt).toEqual(removedInTime ? [] : [deadline]);
        }
        expect(clock.pendingTimers).toBe(0);
      }),
    );
  });
});

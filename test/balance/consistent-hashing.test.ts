import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultTableSize, MaglevPicker } from '../../src/balance/maglev.js';
import { maglev, ringHash, seededRng, type Balancer, type Picker } from '../../src/index.js';
import { call, endpoints, fleetOf, pickerFor, tally } from './support/fleet.js';
import { health } from '../support/endpoint-writers.js';

const KEYS = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);

async function pickerOf(balancer: Balancer, n: number, skip = -1, weights: number[] = []): Promise<Picker> {
  const { fleet, clock } = fleetOf(endpoints(n, weights).filter((_, i) => i !== skip));
  return pickerFor(balancer, fleet, clock);
}

/** Share of KEYS whose endpoint differs between the two pickers. */
function remapped(a: Picker, b: Picker): number {
  let moved = 0;
  for (const key of KEYS) if (a.pick(call(key))!.id !== b.pick(call(key))!.id) moved++;
  return moved / KEYS.length;
}

describe.each([
  ['ring-hash', ringHash],
  ['maglev', maglev],
] as const)('%s', (_name, factory) => {
  it('maps the same key to the same endpoint, pick after pick and build after build', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 300 }), fc.array(fc.string({ unit: 'grapheme' }), { minLength: 1, maxLength: 50 }), async (n, keys) => {
        const a = await pickerOf(factory(), n);
        const b = await pickerOf(factory(), n);
        for (const key of keys) {
          const first = a.pick(call(key))!.id;
          expect(a.pick(call(key))!.id).toBe(first);
          expect(b.pick(call(key))!.id).toBe(first);
        }
      }),
      { seed: 1, numRuns: 40 },
    );
  });

  it('remaps no more than 1/N + 2 % of keys when one of N endpoints leaves', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 120 }).chain((n) => fc.tuple(fc.constant(n), fc.nat(n - 1))), async ([n, leaver]) => {
        const before = await pickerOf(factory(), n);
        const after = await pickerOf(factory(), n, leaver);
        expect(remapped(before, after)).toBeLessThanOrEqual(1 / n + 0.02);
      }),
      { seed: 2, numRuns: 30 },
    );
  });

  it('moves only the keys of an ejected endpoint, and moves them back when it returns', async () => {
    const { fleet, clock } = fleetOf(endpoints(10));
    const picker = await pickerFor(factory(), fleet, clock);
    const owners = KEYS.map((key) => picker.pick(call(key))!.id);
    health.set(fleet.snapshot.members[3]!, 'ejected');
    KEYS.forEach((key, i) => {
      const now = picker.pick(call(key))!.id;
      if (owners[i] === 'e3') expect(now).not.toBe('e3');
      else expect(now).toBe(owners[i]);
    });
    health.set(fleet.snapshot.members[3]!, 'healthy');
    expect(KEYS.map((key) => picker.pick(call(key))!.id)).toEqual(owners);
  });

  it('spreads calls without a key at random, and finds nothing when every endpoint is ejected', async () => {
    const { fleet, clock } = fleetOf(endpoints(4));
    const picker = await pickerFor(factory(), fleet, clock, seededRng(9));
    const counts = tally(picker, 4_000);
    for (const id of ['e0', 'e1', 'e2', 'e3']) expect(Math.abs(counts.get(id)! / 4_000 - 0.25)).toBeLessThan(0.03);
    for (const state of fleet.snapshot.members) health.set(state, 'ejected');
    expect(picker.pick(call('user-1'))).toBeUndefined();
    expect(picker.pick(call())).toBeUndefined();
  });

  it('gives endpoints key shares in proportion to their weights (±10 % over 10 000 keys)', async () => {
    const picker = await pickerOf(factory(), 3, -1, [1, 2, 5]);
    const counts = tally(picker, KEYS.length, (i) => call(KEYS[i]));
    [1, 2, 5].forEach((w, i) => expect(counts.get(`e${i}`)! / KEYS.length).toBeCloseTo(w / 8, 1));
  });
});

describe('ring-hash', () => {
  it('builds a large ring in chunks, off the hot path, and stops when the build is abandoned', async () => {
    const { fleet, clock } = fleetOf(endpoints(200));
    const built = ringHash().build(fleet.snapshot, { clock, rng: seededRng(1) });
    expect(built).toBeInstanceOf(Promise);
    expect((await built).pick(call('k'))).toBeDefined();
    const controller = new AbortController();
    const abandoned = ringHash().build(fleet.snapshot, { clock, rng: seededRng(1), signal: controller.signal });
    controller.abort(new Error('superseded'));
    await expect(abandoned).rejects.toThrow('superseded');
  });

  it('rejects invalid options with a ConfigError naming the option', () => {
    expect(() => ringHash({ pointsPerEndpoint: 0 })).toThrow(/ringHash\.pointsPerEndpoint: 0/);
    expect(() => ringHash({ maxRingSize: 1.5 })).toThrow(/ringHash\.maxRingSize: 1\.5/);
  });
});

describe('maglev', () => {
  it('sizes its table as a prime >= 100 × endpoints by default', () => {
    const isPrime = (v: number) => {
      for (let d = 2; d * d <= v; d++) if (v % d === 0) return false;
      return true;
    };
    for (const n of [1, 655, 656, 10_000, 100_000]) {
      const size = defaultTableSize(n);
      expect(size).toBeGreaterThanOrEqual(100 * n);
      expect(isPrime(size)).toBe(true);
    }
    expect(defaultTableSize(3)).toBe(65_537);
  });

  it('keeps the load imbalance within 1 % at its default size (slots per endpoint)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3_000 }), async (n) => {
        const picker = await pickerOf(maglev(), n);
        expect(picker).toBeInstanceOf(MaglevPicker);
        const slots = [...(picker as MaglevPicker).slotsById().values()];
        const mean = defaultTableSize(n) / n;
        expect(Math.max(...slots) / mean - 1).toBeLessThanOrEqual(0.01);
        expect(1 - Math.min(...slots) / mean).toBeLessThanOrEqual(0.01);
      }),
      { seed: 3, numRuns: 25 },
    );
  });

  it('uses a given prime table size, and the default when the fleet outgrows it', async () => {
    const small = (await pickerOf(maglev({ tableSize: 101 }), 5)) as MaglevPicker;
    expect([...small.slotsById().values()].reduce((a, b) => a + b)).toBe(101);
    const outgrown = (await pickerOf(maglev({ tableSize: 7 }), 8)) as MaglevPicker;
    expect([...outgrown.slotsById().values()].reduce((a, b) => a + b)).toBe(65_537);
  });

  it('rejects a table size that is not a prime', () => {
    expect(() => maglev({ tableSize: 65_536 })).toThrow(/maglev\.tableSize: 65536 \(expected a prime number\)/);
    expect(() => maglev({ tableSize: 1 })).toThrow(/maglev\.tableSize: 1/);
  });
});

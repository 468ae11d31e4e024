/**
 * Pickers read health and load from the fleet's endpoint table by row. These specs churn the
 * fleet first, so that a member's row is not its index (rows reordered, reused, or left free by a
 * shrink), and check that every balancer still reads the right endpoint's state.
 */
import { describe, expect, it } from 'vitest';
import { membersByRow } from '../../src/balance/by-row.js';
import { resolveBalancer } from '../../src/balance/registry.js';
import { BALANCER_NAMES, p2c, seededRng } from '../../src/index.js';
import { call, endpoints, fleetOf, pickerFor, setInFlight, tally } from './support/fleet.js';
import { health } from '../support/endpoint-writers.js';

/** Fleets of e0 … e5 whose rows are not member indices, and how. */
const LAYOUTS = [
  { layout: 'in join order', churn: [] as number[][], members: [0, 1, 2, 3, 4, 5] },
  { layout: 'reordered by discovery', churn: [], members: [5, 3, 1, 0, 2, 4] },
  { layout: 'after replacements (reused rows)', churn: [[6, 7, 8, 3, 4, 5]], members: [0, 1, 2, 3, 4, 5] },
  { layout: 'after a shrink (free rows)', churn: [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]], members: [9, 1, 7, 3, 5, 0] },
];

/** A fleet that went through `churn` and now holds `members` (ids e<i>). */
function churned(churn: number[][], members: number[]) {
  const all = endpoints(10);
  const { fleet, clock } = fleetOf(all.slice(0, 6));
  for (const step of churn) fleet.update(step.map((i) => all[i]!));
  fleet.update(members.map((i) => all[i]!));
  return { fleet, clock };
}

describe.each(LAYOUTS)('with rows $layout', ({ churn, members }) => {
  it.each(BALANCER_NAMES)('%s never picks an ejected endpoint and reaches every other', async (name) => {
    const { fleet, clock } = churned(churn, members);
    const ejected = new Set([fleet.snapshot.members[1]!.id, fleet.snapshot.members[4]!.id]);
    for (const id of ejected) health.set(fleet.get(id)!, 'ejected');
    const picker = await pickerFor(resolveBalancer(name), fleet, clock, seededRng(9));
    const picked = tally(picker, 3_000, (i) => call(`user-${i}`));
    const expected = fleet.snapshot.members.map((s) => s.id).filter((id) => !ejected.has(id));
    expect([...picked.keys()].sort()).toEqual(expected.sort());
  });

  it('p2c compares the loads of the sampled endpoints: in-flight 0, 2, … 10 get 5/15, 4/15, … 0 of the picks (±1 % over 60 000)', async () => {
    const { fleet, clock } = churned(churn, members);
    fleet.snapshot.members.forEach((state, i) => setInFlight(state, 2 * i, 0));
    const counts = tally(await pickerFor(p2c(), fleet, clock, seededRng(3)), 60_000);
    fleet.snapshot.members.forEach((state, i) => {
      expect(Math.abs((counts.get(state.id) ?? 0) / 60_000 - (5 - i) / 15)).toBeLessThan(0.01);
    });
  });
});

describe('membersByRow', () => {
  it('is the members array itself while each member is in the row of its index', () => {
    const { fleet } = churned([[6, 7, 8, 3, 4, 5]], [6, 7, 8, 3, 4, 5]);
    expect(membersByRow(fleet.snapshot)).toBe(fleet.snapshot.members);
  });

  it('lists the members by row otherwise, with nothing in free rows', () => {
    const { fleet } = churned([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]], [9, 1, 7, 3]);
    const byRow = membersByRow(fleet.snapshot);
    expect(Array.from(byRow, (s) => s?.id ?? '-')).toEqual(['-', 'e1', '-', 'e3', '-', '-', '-', 'e7', '-', 'e9']);
  });
});

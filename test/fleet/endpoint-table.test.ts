import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/index.js';
import { EventBus } from '../../src/core/events.js';
import { toEndpoint } from '../../src/fleet/endpoint.js';
import { EJECTED, EndpointTable } from '../../src/fleet/endpoint-table.js';
import { Fleet } from '../../src/fleet/fleet.js';
import { load, health } from '../support/endpoint-writers.js';

const ep = (i: number, weight = 1) => toEndpoint({ url: `http://127.0.0.1:${1024 + i}`, id: `e${i}`, weight }, 'test');
const eps = (...ids: number[]) => ids.map((i) => ep(i));

function newFleet(clock = new ManualClock()) {
  return { fleet: new Fleet({ service: 'svc', clock, events: new EventBus(), ewmaTauMs: 1_000 }), clock };
}

/** Column values of member `id` in the current snapshot, read by its row. */
function rowOf(fleet: Fleet, id: string) {
  const { members, rows, table } = fleet.snapshot;
  const row = rows[members.findIndex((s) => s.id === id)]!;
  return {
    row,
    inFlight: table.inFlight[row],
    health: table.health[row],
    loadPenaltyUntil: table.loadPenaltyUntil[row],
    penaltyPending: table.penaltyPending[row],
    ewmaCost: table.ewmaCost[row],
    ewmaStamp: table.ewmaStamp[row],
    weight: table.weight[row],
    joinedAt: table.joinedAt[row],
  };
}

describe('the endpoint table', () => {
  it("holds each member's hot state in the member's row, written through its EndpointState", () => {
    const { fleet, clock } = newFleet();
    clock.advance(500);
    fleet.update([ep(0), ep(1, 3)]);
    const [a, b] = fleet.snapshot.members;
    expect(rowOf(fleet, 'e1')).toMatchObject({ inFlight: 0, health: 0, loadPenaltyUntil: -Infinity, ewmaCost: 0, ewmaStamp: -Infinity, weight: 3, joinedAt: 500 });
    load.start(b!);
    load.start(b!);
    load.finish(b!, 40, 600, false, 2_000);
    health.set(b!, 'probing');
    health.set(a!, 'ejected');
    expect(rowOf(fleet, 'e1')).toMatchObject({ inFlight: 1, health: 1, loadPenaltyUntil: 2_000, penaltyPending: 1, ewmaCost: 40, ewmaStamp: 600 });
    expect(rowOf(fleet, 'e0').health).toBe(EJECTED);
    expect([b!.inFlight, b!.requests, b!.failures, b!.ewmaMs, b!.health, b!.loadPenaltyUntil, b!.joinedAt]).toEqual([1, 1, 1, 40, 'probing', 2_000, 500]);
    expect(a!.available).toBe(false);
  });

  it('flags a server back-off as pending from when the load tracker records it until a request finishes after it ends', () => {
    const { fleet } = newFleet();
    fleet.update(eps(0));
    const state = fleet.snapshot.members[0]!;
    const pending = () => fleet.snapshot.table.penaltyPending[rowOf(fleet, 'e0').row];
    expect(pending()).toBe(0);
    for (const [now, until, expected] of [[0, 2_000, 1], [1_500, undefined, 1], [1_600, 1_800, 1], [2_000, undefined, 0], [2_100, undefined, 0]] as const) {
      load.start(state);
      load.finish(state, 1, now, true, until);
      expect([now, pending()]).toEqual([now, expected]);
    }
    expect(state.loadPenaltyUntil).toBe(2_000);
  });

  it('has no latency history for an endpoint until its first request finishes (stamp -Infinity), then takes that sample as it is', () => {
    const { fleet } = newFleet();
    fleet.update(eps(0));
    const state = fleet.snapshot.members[0]!;
    expect([state.hasLatency, state.ewmaMs, state.ewmaAt(5_000)]).toEqual([false, 0, 0]);
    load.start(state);
    load.finish(state, 0, 100, true);
    expect([state.hasLatency, state.ewmaMs, rowOf(fleet, 'e0').ewmaStamp]).toEqual([true, 0, 100]);
  });

  it('follows a weight change from discovery in the weight column, in the same row', () => {
    const { fleet } = newFleet();
    fleet.update(eps(0, 1));
    const before = rowOf(fleet, 'e0');
    fleet.update([ep(0, 5), ep(1)]);
    expect(rowOf(fleet, 'e0')).toMatchObject({ row: before.row, weight: 5 });
  });

  it("gives a leaver's row to the endpoint that replaces it in the same update (lowest free row first), so members stay in the rows of their indices", () => {
    const { fleet } = newFleet();
    fleet.update(eps(0, 1, 2, 3));
    expect(Array.from(fleet.snapshot.rows)).toEqual([0, 1, 2, 3]);
    fleet.update(eps(0, 9, 2, 3));
    expect(Array.from(fleet.snapshot.rows)).toEqual([0, 1, 2, 3]);
    expect(rowOf(fleet, 'e9')).toMatchObject({ row: 1, inFlight: 0, ewmaStamp: -Infinity });
    fleet.update(eps(7, 8, 2, 6));
    expect(Array.from(fleet.snapshot.rows)).toEqual([0, 1, 2, 3]);
  });

  it('reads a row freed by a shrinking fleet as ejected, and hands it to the next newcomer', () => {
    const { fleet } = newFleet();
    fleet.update(eps(0, 1, 2));
    const freed = rowOf(fleet, 'e1').row;
    fleet.update(eps(0, 2));
    expect(fleet.snapshot.table.health[freed]).toBe(EJECTED);
    fleet.update(eps(0, 2, 7));
    expect(rowOf(fleet, 'e7')).toMatchObject({ row: freed, health: 0 });
  });

  it('keeps working for an endpoint that left (a request in flight finishes on it) without touching the row of its successor', () => {
    const { fleet } = newFleet();
    fleet.update(eps(0, 1));
    const leaver = fleet.get('e1')!;
    const row = rowOf(fleet, 'e1').row;
    load.start(leaver);
    health.set(leaver, 'ejected');
    fleet.update(eps(0, 2));
    expect(rowOf(fleet, 'e2').row).toBe(row);
    load.finish(leaver, 30, 10, false);
    health.set(leaver, 'healthy');
    expect([leaver.inFlight, leaver.requests, leaver.failures, leaver.ewmaMs, leaver.health]).toEqual([0, 1, 1, 30, 'healthy']);
    expect(rowOf(fleet, 'e2')).toMatchObject({ inFlight: 0, health: 0, ewmaCost: 0, ewmaStamp: -Infinity });
  });

  it('keeps every row when it grows', () => {
    const { fleet } = newFleet();
    const all = Array.from({ length: 1_000 }, (_, i) => ep(i, 1 + (i % 7)));
    for (let n = 1; n <= all.length; n += 37) {
      fleet.update(all.slice(0, n));
      load.start(fleet.get(`e${n - 1}`)!);
    }
    fleet.update(all);
    fleet.snapshot.members.forEach((state, i) => {
      expect(rowOf(fleet, state.id)).toMatchObject({ row: i, weight: 1 + (i % 7), inFlight: i % 37 === 0 ? 1 : 0 });
    });
  });

  it('holds no more rows than the largest membership through 10 000 join/leave cycles', () => {
    const { fleet } = newFleet();
    const stable = eps(0, 1, 2);
    let highest = 0;
    for (let i = 0; i < 10_000; i++) {
      fleet.update([...stable, ep(100 + i)]);
      highest = Math.max(highest, ...Array.from(fleet.snapshot.rows));
      fleet.update(i % 2 === 0 ? stable : [...stable, ep(50_000 + i)]);
      highest = Math.max(highest, ...Array.from(fleet.snapshot.rows));
    }
    expect(highest).toBe(3);
  });
});

describe('EndpointTable', () => {
  it('reuses released rows lowest first, and appends (doubling its columns) only when none is free', () => {
    const table = new EndpointTable(1_000, 2);
    expect([table.allocate(1, 0), table.allocate(1, 0), table.allocate(1, 0)]).toEqual([0, 1, 2]);
    expect([table.capacity, table.size]).toEqual([4, 3]);
    table.release(2);
    table.release(0);
    expect(table.size).toBe(1);
    expect([table.allocate(1, 0), table.allocate(1, 0), table.allocate(1, 0)]).toEqual([0, 2, 3]);
    expect([table.capacity, table.size]).toEqual([4, 4]);
  });

  it('starts an allocated row healthy, idle and without history, whatever its previous owner left in it', () => {
    const table = new EndpointTable(1_000, 1);
    const row = table.allocate(2, 10);
    table.inFlight[row] = 5;
    table.loadPenaltyUntil[row] = 99;
    table.penaltyPending[row] = 1;
    table.ewmaCost[row] = 7;
    table.ewmaStamp[row] = 8;
    table.release(row);
    expect(table.allocate(3, 20)).toBe(row);
    expect([table.inFlight[row], table.health[row], table.loadPenaltyUntil[row], table.penaltyPending[row], table.ewmaCost[row], table.ewmaStamp[row], table.weight[row], table.joinedAt[row]]).toEqual([0, 0, -Infinity, 0, 0, -Infinity, 3, 20]);
  });
});

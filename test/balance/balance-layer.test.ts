import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { BalanceLayer } from '../../src/balance/balance-layer.js';
import type { Handler, Middleware, Reply } from '../../src/core/call.js';
import { AttemptSeam } from '../../src/mesh/attempt-seam.js';
import { NoEndpointsError, p2c, peakEwma, seededRng, type Balancer, type Picker } from '../../src/index.js';
import type { EndpointState } from '../../src/fleet/endpoint-state.js';
import type { Fleet } from '../../src/fleet/fleet.js';
import { call, endpoint, endpoints, fleetOf } from './support/fleet.js';
import { load, health } from '../support/endpoint-writers.js';

/**
 * The balance layer over the completion seam, as a cluster stacks them: `middleware` picks, then
 * runs the attempt through the seam (its load tracker writes the endpoint's load).
 */
function layerOf(fleet: Fleet, clock: ReturnType<typeof fleetOf>['clock'], balancer: Balancer = p2c()) {
  const balance = new BalanceLayer({ service: 'svc', members: fleet, balancer, clock, rng: seededRng(1) });
  const seam = new AttemptSeam({ fleet, clock, breaker: undefined, isFailureStatus: (status) => status >= 500 });
  const pick = balance.middleware;
  return Object.assign(balance, { middleware: ((c, next) => pick(c, (picked) => seam.middleware(picked, next))) as Middleware });
}

/** A terminal handler that answers at once with `status` and `headers`. */
const answer =
  (status: number, headers: Record<string, string> = {}): Handler =>
  async (c) => ({ status, headers, body: null as unknown as Reply['body'], endpoint: c.endpoint });

/** A balancer whose builds resolve when the test says so. */
function controlledBalancer() {
  const builds: { members: string[]; resolve: (picker: Picker) => void; signal: AbortSignal }[] = [];
  const balancer: Balancer = {
    name: 'controlled',
    build(snapshot, { signal }) {
      return new Promise<Picker>((resolve) => builds.push({ members: snapshot.members.map((s) => s.id), resolve, signal: signal! }));
    },
  };
  return { balancer, builds };
}

/** A picker that always returns `state`. */
const always = (state: EndpointState): Picker => ({ pick: () => state });

describe('the load tracker at the completion seam records server back-off on the endpoint', () => {
  it.each<{ status: number; headers: Record<string, string>; until: number }>([
    { status: 503, headers: { 'retry-after': '2' }, until: 2_000 },
    { status: 429, headers: {}, until: 1_000 },
    { status: 503, headers: { 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }, until: 5_000 },
    { status: 429, headers: { 'retry-after': '3600' }, until: 30_000 },
    { status: 500, headers: { 'retry-after': '2' }, until: -Infinity },
    { status: 200, headers: {}, until: -Infinity },
  ])('a $status with $headers backs off until $until ms (-Infinity: it never asked)', async ({ status, headers, until }) => {
    const { fleet, clock } = fleetOf(endpoints(1));
    const layer = layerOf(fleet, clock);
    await layer.middleware(call(), answer(status, headers));
    expect(fleet.snapshot.members[0]!.loadPenaltyUntil).toBe(until);
    expect(fleet.snapshot.members[0]!.inFlight).toBe(0);
    layer.close();
  });

  it('so p2c sends the next calls elsewhere, though the other endpoint is busier', async () => {
    const { fleet, clock } = fleetOf(endpoints(2));
    const layer = layerOf(fleet, clock);
    const [a, b] = fleet.snapshot.members;
    load.start(b!);
    load.start(b!);
    await layer.middleware({ ...call(), tried: new Set() }, answer(429));
    expect(a!.loadPenaltyUntil).toBe(1_000);
    const picks = Array.from({ length: 20 }, () => layer.pick(call()).id);
    expect(new Set(picks)).toEqual(new Set(['e1']));
    clock.advance(1_000);
    expect(layer.pick(call()).id).toBe('e0');
    layer.close();
  });

  it('finishes the attempt (in flight back to 0, a failure counted) when next throws', async () => {
    const { fleet, clock } = fleetOf(endpoints(1));
    const layer = layerOf(fleet, clock);
    await expect(layer.middleware(call(), () => Promise.reject(new Error('reset')))).rejects.toThrow('reset');
    expect(fleet.snapshot.members[0]!.inFlight).toBe(0);
    expect(fleet.snapshot.members[0]!.failures).toBe(1);
    layer.close();
  });
});

describe('picker rebuilds', () => {
  it('rebuild on membership change only, and keep serving with the old picker until the new one is ready', async () => {
    const { fleet, clock } = fleetOf(endpoints(2));
    const { balancer, builds } = controlledBalancer();
    const layer = layerOf(fleet, clock, balancer);
    const [e0, e1] = fleet.snapshot.members;
    builds[0]!.resolve(always(e0!));
    await Promise.resolve();
    expect(layer.pick(call())).toBe(e0);
    load.start(e0!); // load and health changes build nothing
    health.set(e0!, 'probing');
    expect(builds).toHaveLength(1);
    fleet.update(endpoints(3));
    expect(builds).toHaveLength(2);
    expect(layer.pick(call())).toBe(e0);
    builds[1]!.resolve(always(e1!));
    await Promise.resolve();
    await Promise.resolve();
    expect(layer.pick(call())).toBe(e1);
    expect(layer.pickerVersion).toBe(fleet.snapshot.version);
    layer.close();
  });

  it('abort a build that a newer membership supersedes, whatever order they finish in', async () => {
    const { fleet, clock } = fleetOf(endpoints(2));
    const { balancer, builds } = controlledBalancer();
    const layer = layerOf(fleet, clock, balancer);
    fleet.update(endpoints(3));
    expect(builds[0]!.signal.aborted).toBe(true);
    const third = fleet.snapshot.members[2]!;
    builds[1]!.resolve(always(third));
    builds[0]!.resolve(always(fleet.snapshot.members[0]!));
    await new Promise((r) => setImmediate(r));
    expect(layer.pick(call())).toBe(third);
    fleet.update(endpoints(4));
    layer.close();
    expect(builds[2]!.signal.aborted).toBe(true);
  });

  it('replace an endpoint that left while the new picker is being built', async () => {
    const { fleet, clock } = fleetOf(endpoints(2));
    const { balancer, builds } = controlledBalancer();
    const layer = layerOf(fleet, clock, balancer);
    const leaver = fleet.snapshot.members[0]!;
    builds[0]!.resolve(always(leaver));
    await Promise.resolve();
    fleet.update([endpoint(1)]);
    expect(layer.pick(call()).id).toBe('e1');
    layer.close();
  });

  it('make the first calls wait for the first build of a large fleet', async () => {
    const { fleet, clock } = fleetOf(endpoints(2));
    const { balancer, builds } = controlledBalancer();
    const layer = layerOf(fleet, clock, balancer);
    expect(() => layer.pick(call())).toThrow(NoEndpointsError);
    const reply = layer.middleware(call(), answer(200));
    builds[0]!.resolve(always(fleet.snapshot.members[1]!));
    expect((await reply).endpoint?.id).toBe('e1');
    layer.close();
  });
});

describe('membership churn', () => {
  it('keeps the state of endpoints that stay and drops the state of those that leave, over 10 000 join/leave cycles, in bounded memory', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const stayers = endpoints(20);
    const { fleet, clock } = fleetOf(stayers);
    const layer = layerOf(fleet, clock, peakEwma());
    const kept = [...fleet.snapshot.members];
    const left: WeakRef<EndpointState>[] = [];
    let heapAt1000 = 0;
    let toJoiners = 0;
    for (let cycle = 0; cycle < 10_000; cycle++) {
      fleet.update([...stayers, endpoint(1_000 + cycle)]);
      const joiner = fleet.get(`e${1_000 + cycle}`)!;
      if ((await layer.middleware(call(), answer(200))).endpoint === joiner) toJoiners++;
      clock.advance(1);
      fleet.update(stayers);
      if (cycle % 1_000 === 0) left.push(new WeakRef(joiner));
      if (cycle === 1_000) {
        gc();
        heapAt1000 = process.memoryUsage().heapUsed;
      }
    }
    expect(fleet.snapshot.members).toEqual(kept);
    // Joiners got traffic while they were members, and the stayers' counts kept everything else.
    expect(toJoiners).toBeGreaterThan(0);
    expect(kept.reduce((sum, s) => sum + s.requests, 0)).toBe(10_000 - toJoiners);
    expect(kept.every((s) => s.requests > 0)).toBe(true);
    expect(kept.every((s) => s.inFlight === 0)).toBe(true);
    await new Promise((r) => setImmediate(r));
    gc();
    expect(left.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    expect(process.memoryUsage().heapUsed - heapAt1000).toBeLessThan(2 * 1024 * 1024);
    layer.close();
  });
});

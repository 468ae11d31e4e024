/**
 * Fixtures for balancer tests: real fleets of real EndpointState (no HTTP), calls, picker builds,
 * and a small open-loop simulation on a ManualClock in which the test plays the load tracker.
 */
import type { Balancer, Picker } from '../../../src/balance/balancer.js';
import { createCall, type Call } from '../../../src/core/call.js';
import { ManualClock } from '../../../src/core/clock.js';
import { EventBus } from '../../../src/core/events.js';
import { seededRng, type Rng } from '../../../src/core/rng.js';
import { toEndpoint, type Endpoint } from '../../../src/fleet/endpoint.js';
import type { EndpointState } from '../../../src/fleet/endpoint-state.js';
import { Fleet } from '../../../src/fleet/fleet.js';
import { load } from '../../support/endpoint-writers.js';

/** Endpoint `i`: id `e<i>`, never contacted (these tests send no HTTP). */
export function endpoint(i: number, weight = 1): Endpoint {
  return toEndpoint({ url: `http://127.0.0.1:${1024 + (i % 60_000)}`, id: `e${i}`, weight }, 'test');
}

/** Endpoints `e0 … e<n-1>`, with the given weights (default 1). */
export function endpoints(n: number, weights: readonly number[] = []): Endpoint[] {
  return Array.from({ length: n }, (_, i) => endpoint(i, weights[i] ?? 1));
}

/** A fleet on a manual clock holding `list`. */
export function fleetOf(list: readonly Endpoint[], { clock = new ManualClock(), tauMs = 10_000 } = {}): { fleet: Fleet; clock: ManualClock } {
  const fleet = new Fleet({ service: 'svc', clock, events: new EventBus(), ewmaTauMs: tauMs });
  fleet.update(list);
  return { fleet, clock };
}

/** A call with hash key `key` (none by default). */
export function call(key?: string): Call {
  return createCall({ service: 'svc', key });
}

/** Builds `balancer`'s picker for `fleet`'s current snapshot, awaiting a chunked build. */
export async function pickerFor(balancer: Balancer, fleet: Fleet, clock: ManualClock, rng: Rng = seededRng(1)): Promise<Picker> {
  return balancer.build(fleet.snapshot, { clock, rng });
}

/** Ids of `count` successive picks (`-` when the picker found nothing). */
export function sequence(picker: Picker, count: number, now?: number): string[] {
  return Array.from({ length: count }, () => picker.pick(call(), now)?.id ?? '-');
}

/** How many of `count` picks went to each endpoint id. */
export function tally(picker: Picker, count: number, makeCall: (i: number) => Call = () => call(), now?: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const id = picker.pick(makeCall(i), now)?.id ?? '-';
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** Sets an endpoint's in-flight count to `n` through the load tracker's API. */
export function setInFlight(state: EndpointState, n: number, now: number): void {
  while (state.inFlight < n) load.start(state);
  while (state.inFlight > n) load.finish(state, 0, now, true);
}

/** Options of {@link simulate}. */
export interface Simulation {
  readonly clock: ManualClock;
  readonly picker: Picker;
  /** Requests to send, one every `intervalMs` of clock time. */
  readonly requests: number;
  readonly intervalMs: number;
  /** Latency (ms) of a request sent to `state` at `now`. */
  readonly latency: (state: EndpointState, now: number) => number;
}

/**
 * Open-loop load on a manual clock: a request every `intervalMs`, each held in flight for its
 * latency and then finished, as the balance layer's load tracker would. Returns the id picked for
 * each request, in order. Leaves the clock at the last arrival (later finishes stay pending).
 */
export function simulate({ clock, picker, requests, intervalMs, latency }: Simulation): string[] {
  const picks: string[] = [];
  for (let r = 0; r < requests; r++) {
    const now = clock.now();
    const state = picker.pick(call(), now);
    if (!state) throw new Error('no endpoint picked');
    picks.push(state.id);
    const ms = latency(state, now);
    load.start(state);
    clock.setTimeout(() => load.finish(state, ms, clock.now(), true), ms);
    clock.advance(intervalMs);
  }
  return picks;
}

/** The share (0…1) of `id` among `picks`. */
export function share(picks: readonly string[], id: string): number {
  let n = 0;
  for (const p of picks) if (p === id) n++;
  return n / picks.length;
}

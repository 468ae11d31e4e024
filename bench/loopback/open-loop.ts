import { createClient } from '../../src/client.js';
import type { ClientOptions } from '../../src/client-options.js';
import type { TimerHandle } from '../../src/core/clock.js';
import { systemClock } from '../../src/core/clock.js';
import { TimeoutError } from '../../src/core/errors.js';
import { seededRng } from '../../src/core/rng.js';
import { staticDiscovery } from '../../src/discovery/static.js';
import type { EndpointInput } from '../../src/fleet/endpoint.js';
import { ArrivalSchedule } from '../load/arrivals.js';
import { RunRecorder, type Outcome, type RunResult } from '../load/recorder.js';
import { MembershipTimeline } from '../model/membership.js';
import type { Scenario } from '../scenario/scenario.js';
import type { BackendFleet } from './backend-fleet.js';

/** Options of {@link runOpenLoop}. */
export interface OpenLoopOptions {
  /** Called now and then with the share of the run done, in [0, 1]. */
  readonly onProgress?: (done: number) => void;
  /** Sees every request as it is sent: its intended time and the time it was actually sent (ms since the window started). */
  readonly onSend?: (intendedAt: number, sentAt: number) => void;
  /** Sees every request as it settles: its intended time, latency from that time (ms) and outcome. */
  readonly onReply?: (intendedAt: number, latencyMs: number, outcome: Outcome) => void;
}

/** The run's extra facts beyond {@link RunResult}. */
export interface OpenLoopResult extends RunResult {
  /** How late the generator sent requests behind their schedule (ms): the worst case seen. */
  readonly maxSendLagMs: number;
}

/**
 * Runs one strategy on the loopback fleet under open-loop load: each request is sent at its
 * intended time from the scenario's seeded {@link ArrivalSchedule} whether or not earlier ones
 * were answered, and its latency is measured from that intended time, so a stall that delays the
 * sender is counted, not hidden (no coordinated omission; Gil Tene, wrk2). The client is the real
 * `createClient` pipeline with the strategy picked by name from the balancer registry.
 */
export async function runOpenLoop(scenario: Scenario, strategy: string, fleet: BackendFleet, options: OpenLoopOptions = {}): Promise<OpenLoopResult> {
  const { durationMs, warmupMs, load, seed } = scenario;
  const clock = systemClock;
  const timeline = new MembershipTimeline(scenario.backends, durationMs);
  const endpointsAt = (t: number): EndpointInput[] =>
    timeline.membersAt(t).map((i) => ({ url: fleet.urls[i]!, id: scenario.backends[i]!.name, weight: scenario.backends[i]!.weight }));
  const discovery = staticDiscovery(endpointsAt(-warmupMs));
  // Retries and breakers are off unless the scenario turns them on, so the balancer alone decides.
  const clientOptions: ClientOptions = {
    timeout: { attempt: load.timeoutMs, total: load.timeoutMs },
    retry: false,
    breaker: false,
    ...(scenario.client as Partial<ClientOptions>),
    service: scenario.name,
    discovery,
    balancer: strategy as ClientOptions['balancer'],
    rng: seededRng(seed + 1),
  };
  const client = createClient(clientOptions);
  const recorder = new RunRecorder();
  const schedule = new ArrivalSchedule(load, durationMs, warmupMs, seed);
  const changes = [...timeline.changes];

  const startWallMs = clock.wallNow() + warmupMs;
  await fleet.startRun(seed, startWallMs);
  // Time zero on this process's monotonic clock: the same wall-clock instant the backends use.
  const t0 = clock.now() + (startWallMs - clock.wallNow());
  let outstanding = 0;
  let maxSendLagMs = 0;
  let timer: TimerHandle | undefined;
  let next = schedule.next();
  let lastProgress = -Infinity;

  const send = (at: number, key: string, sentAt: number): void => {
    outstanding++;
    options.onSend?.(at, sentAt);
    client.request({ path: '/', key }).then(
      async (res) => {
        await res.body.dump();
        finish(at, res.statusCode < 500 ? 'ok' : 'status');
      },
      (error: unknown) => finish(at, error instanceof TimeoutError ? 'timeout' : 'error'),
    );
  };
  let settle: () => void = () => {};
  const allSettled = new Promise<void>((resolve) => (settle = resolve));
  let generating = true;
  const finish = (at: number, outcome: Outcome): void => {
    const latencyMs = clock.now() - t0 - at;
    const final = outcome === 'ok' && latencyMs > load.timeoutMs ? 'timeout' : outcome;
    recorder.record(at, latencyMs, final);
    options.onReply?.(at, latencyMs, final);
    if (--outstanding === 0 && !generating) settle();
  };

  const tick = (): void => {
    const t = clock.now() - t0;
    while (changes.length > 0 && changes[0]! <= t) discovery.set(endpointsAt(changes.shift()!));
    while (next !== undefined && next <= t) {
      maxSendLagMs = Math.max(maxSendLagMs, t - next);
      send(next, schedule.key, t);
      next = schedule.next();
    }
    if (options.onProgress && t - lastProgress >= 100) {
      lastProgress = t;
      options.onProgress(Math.min(Math.max((t + warmupMs) / (durationMs + warmupMs), 0), 1));
    }
    if (next === undefined) {
      generating = false;
      if (outstanding === 0) settle();
      return;
    }
    const wake = Math.min(next, changes[0] ?? Infinity);
    timer = clock.setTimeout(tick, Math.max(0, wake - (clock.now() - t0)));
  };
  tick();
  // Every request settles within the client's timeout; the run is over when the last one has.
  await allSettled;
  if (timer) clock.clearTimeout(timer);
  await client.close();
  const counters = await fleet.counters();
  const backendRequests = Object.fromEntries(scenario.backends.map((b, i) => [b.name, counters[i]!.requests]));
  // Let servers finish work whose callers gave up, so the next strategy starts on an idle fleet.
  await fleet.drain(2_000);
  options.onProgress?.(1);
  return { ...recorder.finish(strategy, durationMs, backendRequests), maxSendLagMs };
}

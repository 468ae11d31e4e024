import { BalanceLayer } from '../../src/balance/balance-layer.js';
import type { Balancer } from '../../src/balance/balancer.js';
import { resolveBalancer } from '../../src/balance/registry.js';
import { isServerError } from '../../src/breaker/breaker-options.js';
import { createCall, type Call, type Reply } from '../../src/core/call.js';
import { TimeoutError } from '../../src/core/errors.js';
import { EventBus } from '../../src/core/events.js';
import { seededRng } from '../../src/core/rng.js';
import { DEFAULTS } from '../../src/defaults.js';
import { toEndpoint } from '../../src/fleet/endpoint.js';
import { Fleet } from '../../src/fleet/fleet.js';
import { AttemptSeam, type AttemptRecord } from '../../src/mesh/attempt-seam.js';
import { ArrivalSchedule } from '../load/arrivals.js';
import { RunRecorder, type Outcome, type RunResult } from '../load/recorder.js';
import { BackendBehaviour } from '../model/backend-behaviour.js';
import { MembershipTimeline } from '../model/membership.js';
import type { Scenario } from '../scenario/scenario.js';
import type { TimedEvent } from './event-queue.js';
import { EventQueue } from './event-queue.js';
import { oracle } from './oracle.js';
import { SimBackend } from './sim-backend.js';
import { SimClock } from './sim-clock.js';

/** The name of the simulator-only strategy that knows every backend's true queue. */
export const ORACLE = 'oracle';

/** A simulated run's extra facts beyond {@link RunResult}. */
export interface SimResult extends RunResult {
  /** Mean time requests waited in a backend's FIFO queue before service (ms, measured window). */
  readonly meanWaitMs: number;
  /** Requests simulated, warm-up included. */
  readonly requests: number;
  /** Wall-clock time the simulation took (ms). */
  readonly wallMs: number;
}

/** Options of {@link simulate}. */
export interface SimulateOptions {
  /** Called now and then with the share of the run done, in [0, 1]. */
  readonly onProgress?: (done: number) => void;
  /** The wall clock used only to report {@link SimResult.wallMs}. */
  readonly wallClock?: { now(): number };
}

interface Completion extends TimedEvent {
  readonly attempt: AttemptRecord;
  readonly arrival: number;
  readonly outcome: Outcome;
}

/** What the seam is told a simulated attempt ended with, as a transport would tell it. */
const ANSWERED = Object.freeze({ status: 200, headers: Object.freeze({}) }) as unknown as Reply;
/** The reply a backend's error model sends. */
const UNAVAILABLE = Object.freeze({ status: 503, headers: Object.freeze({}) }) as unknown as Reply;
const RESET = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

/** A mutable view of a {@link Call}: the simulator reuses one object for every request. */
type SimCall = { -readonly [K in keyof Call]: Call[K] };

/**
 * Runs one strategy on a scenario in virtual time: a discrete-event simulation of the scenario's
 * backends (the same {@link BackendBehaviour} model as the loopback fleet, FIFO queues modelled
 * exactly) under the same seeded arrival sequence. The strategy is the real balancer from the
 * registry (or the {@link ORACLE}) over a real {@link Fleet}, picking through the real
 * {@link BalanceLayer}; every attempt starts and ends at the real {@link AttemptSeam} (its load
 * tracker and outcome classification), told what a transport would tell it, so the simulated
 * client cannot drift from the real one.
 * A reply later than the caller's timeout ends the attempt at the timeout as a failure.
 * Retries and breakers are not simulated.
 */
export async function simulate(scenario: Scenario, strategy: string, options: SimulateOptions = {}): Promise<SimResult> {
  const wallStart = options.wallClock?.now() ?? 0;
  const { durationMs, warmupMs, load, seed } = scenario;
  const clock = new SimClock();
  clock.set(-warmupMs);
  const fleet = new Fleet({ service: scenario.name, clock, events: new EventBus(), ewmaTauMs: DEFAULTS.ewmaTauMs });
  const backends = scenario.backends.map((spec, i) => new SimBackend(new BackendBehaviour(spec, durationMs), seededRng(seed + 7_919 * (i + 1))));
  const byId = new Map(scenario.backends.map((spec, i) => [spec.name, backends[i]!]));
  const balancer: Balancer = strategy === ORACLE ? oracle(byId) : resolveBalancer(strategy, 'strategies');
  const layer = new BalanceLayer({ service: scenario.name, members: fleet, balancer, clock, rng: seededRng(seed + 1) });
  const seam = new AttemptSeam({ fleet, clock, breaker: undefined, isFailureStatus: isServerError });
  const timeoutError = new TimeoutError('attempt', load.timeoutMs);
  const endpoints = scenario.backends.map((spec, i) => toEndpoint({ url: `http://127.0.0.1:${10_000 + i}`, id: spec.name, weight: spec.weight }, `backends[${i}]`));
  const timeline = new MembershipTimeline(scenario.backends, durationMs);
  const changes = [...timeline.changes];
  const setMembers = async (t: number): Promise<void> => {
    fleet.update(timeline.membersAt(t).map((i) => endpoints[i]!));
    await pickerReady(layer, fleet);
  };
  await setMembers(-warmupMs);

  // One call object, its key rewritten per request: the simulator allocates nothing per pick.
  const call: SimCall = createCall({ service: scenario.name });
  const recorder = new RunRecorder();
  const completions = new EventQueue<Completion>();
  const schedule = new ArrivalSchedule(load, durationMs, warmupMs, seed);
  const timeout = load.timeoutMs;
  const progressEvery = 50_000;
  let requests = 0;
  let waitSum = 0;
  let waited = 0;

  const complete = (c: Completion): void => {
    clock.set(c.at);
    const { outcome } = c;
    if (outcome === 'ok' || outcome === 'status') seam.end(c.attempt, outcome === 'ok' ? ANSWERED : UNAVAILABLE);
    else seam.end(c.attempt, undefined, outcome === 'timeout' ? timeoutError : RESET);
    recorder.record(c.arrival, c.at - c.arrival, outcome);
  };
  // Runs everything due before `t`: replies, timers armed through the clock, membership changes.
  const runUntil = async (t: number): Promise<void> => {
    for (;;) {
      const nextCompletion = completions.peek()?.at ?? Infinity;
      const nextChange = changes[0] ?? Infinity;
      const first = Math.min(nextCompletion, nextChange, clock.nextTimerAt);
      if (first > t || first === Infinity) return;
      if (first === nextChange) {
        changes.shift();
        clock.runTimersUntil(first);
        clock.set(first);
        await setMembers(first);
      } else if (first === nextCompletion) {
        clock.runTimersUntil(first);
        complete(completions.pop()!);
      } else {
        clock.runTimersUntil(first);
      }
    }
  };

  for (let at = schedule.next(); at !== undefined; at = schedule.next()) {
    await runUntil(at);
    clock.set(at);
    call.key = schedule.key;
    const state = layer.pick(call, at);
    const backend = byId.get(state.id)!;
    const attempt = seam.begin(call, state);
    const service = backend.serve(at, timeout);
    const end = Math.min(service.done, at + timeout);
    const outcome: Outcome = service.verdict === '503' ? 'status' : service.verdict === 'reset' ? 'error' : service.done < at + timeout ? 'ok' : 'timeout';
    completions.push({ at: end, seq: clock.nextSeq(), attempt, arrival: at, outcome });
    if (at >= 0 && service.verdict === 'serve') {
      waitSum += Math.min(service.start, at + timeout) - at;
      waited++;
    }
    if (++requests % progressEvery === 0) options.onProgress?.(Math.min((at + warmupMs) / (durationMs + warmupMs), 1));
  }
  await runUntil(Infinity);
  layer.close();
  fleet.close();
  options.onProgress?.(1);
  const backendRequests = Object.fromEntries(scenario.backends.map((spec, i) => [spec.name, backends[i]!.requests]));
  return {
    ...recorder.finish(strategy, durationMs, backendRequests),
    meanWaitMs: waited === 0 ? 0 : waitSum / waited,
    requests,
    wallMs: (options.wallClock?.now() ?? 0) - wallStart,
  };
}

/** Waits until the balance layer serves a picker built for the fleet's current membership (builds may be asynchronous). */
async function pickerReady(layer: BalanceLayer, fleet: Fleet): Promise<void> {
  for (let i = 0; layer.pickerVersion !== fleet.snapshot.version; i++) {
    if (i === 100_000) throw new Error(`balancer never finished building a picker for ${fleet.snapshot.members.length} endpoints`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

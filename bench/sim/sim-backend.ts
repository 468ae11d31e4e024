import type { Rng } from '../../src/core/rng.js';
import type { BackendBehaviour, Verdict } from '../model/backend-behaviour.js';

/** When a request is served by a {@link SimBackend}, decided when it arrives. */
export interface Service {
  /** `serve`, or the failure answered at once (`503`, `reset`). */
  readonly verdict: Verdict;
  /** When service starts (ms): after the FIFO wait. */
  readonly start: number;
  /** When the reply is sent (ms). */
  readonly done: number;
}

/**
 * A simulated backend: the same {@link BackendBehaviour} as a loopback backend, with its FIFO
 * queue in front of `capacity` servers modelled exactly. Because the queue is FIFO and service
 * times are drawn when service starts, a request's start time is known at arrival: it takes the
 * server that frees first (a min-heap of the servers' free times), which is what an M/G/c FIFO
 * queue does.
 */
export class SimBackend {
  readonly behaviour: BackendBehaviour;
  readonly #rng: Rng;
  /** Min-heap of the times each server becomes free; empty for unbounded capacity. */
  readonly #free: Float64Array;
  /** Requests received in the measured window (t >= 0). */
  requests = 0;

  constructor(behaviour: BackendBehaviour, rng: Rng) {
    this.behaviour = behaviour;
    this.#rng = rng;
    const c = behaviour.spec.capacity;
    this.#free = new Float64Array(Number.isFinite(c) ? c : 0).fill(-Infinity);
  }

  /** Time a request arriving at `t` would wait before service starts (ms): the true queue, as only an oracle knows it. */
  waitAt(t: number): number {
    return this.#free.length === 0 ? 0 : Math.max(0, this.#free[0]! - t);
  }

  /**
   * The oracle's cost of sending a request here at `t`: when it is expected to be done, the true
   * wait plus the mean service time then, divided by the share of requests served rather than failed.
   */
  expectedCost(t: number): number {
    const wait = this.waitAt(t);
    const served = 1 - this.behaviour.failureShare(t);
    return served <= 0 ? Infinity : (wait + this.behaviour.meanServiceMs(t + wait)) / served;
  }

  /**
   * Takes a request arriving at `t`. A request whose wait would reach `giveUpAfter` is dropped
   * from the queue when its caller leaves, so it holds no server (as the loopback backend does).
   */
  serve(t: number, giveUpAfter: number): Service {
    if (t >= 0) this.requests++;
    const verdict = this.behaviour.verdict(t, this.#rng);
    if (verdict !== 'serve') return { verdict, start: t, done: t };
    const free = this.#free;
    const start = free.length === 0 ? t : Math.max(t, free[0]!);
    if (start - t >= giveUpAfter) return { verdict, start, done: Infinity };
    const done = start + this.behaviour.serviceMs(start, this.#rng);
    if (free.length > 0) replaceTop(free, done);
    return { verdict, start, done };
  }
}

function replaceTop(heap: Float64Array, value: number): void {
  const n = heap.length;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const r = l + 1;
    const child = r < n && heap[r]! < heap[l]! ? r : l;
    if (heap[child]! >= value) break;
    heap[i] = heap[child]!;
    i = child;
  }
  heap[i] = value;
}

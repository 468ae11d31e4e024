import type { Rng } from '../../src/core/rng.js';
import type { BackendSpec, ErrorSpec } from '../scenario/scenario.js';
import { latency, type Latency } from './distribution.js';

/** What a backend does with one request, decided when it arrives. */
export type Verdict = 'serve' | '503' | 'reset';

interface Window {
  readonly start: number;
  readonly end: number;
  readonly latency: Latency;
  readonly errors: ErrorSpec;
}

/**
 * One backend's behaviour over time, shared by the loopback backend process and the simulator so
 * both run the same model: which phase applies at time `t`, whether a request fails, how long it
 * takes to serve. (When it is in the fleet is membership.ts's concern.) Times are ms since the start of the measured window (negative during warm-up,
 * when the base behaviour applies).
 */
export class BackendBehaviour {
  readonly spec: BackendSpec;
  readonly #base: Window;
  readonly #windows: readonly Window[];
  readonly #joinMs: number;

  /**
   * @param spec - the backend
   * @param durationMs - the measured window, which phase, join and leave fractions refer to
   */
  constructor(spec: BackendSpec, durationMs: number) {
    this.spec = spec;
    this.#base = { start: -Infinity, end: Infinity, latency: latency(spec.latency), errors: spec.errors };
    this.#windows = spec.phases.map((p) => ({
      start: p.start * durationMs,
      end: p.end * durationMs,
      latency: latency(p.latency ?? spec.latency, p.latencyFactor),
      errors: p.errors ?? spec.errors,
    }));
    this.#joinMs = spec.joinAt * durationMs;
  }

  /**
   * The lowest value {@link BackendBehaviour.meanServiceMs} / (1 - {@link BackendBehaviour.failureShare})
   * can take at any time: what an idle backend costs at best.
   */
  get bestCost(): number {
    let best = cost(this.#base);
    for (const w of this.#windows) best = Math.min(best, cost(w));
    return best;
  }

  /** Decides at arrival whether a request is served or fails (503 or a reset). */
  verdict(t: number, rng: Rng): Verdict {
    const { status503, reset } = this.#window(t).errors;
    if (status503 === 0 && reset === 0) return 'serve';
    const u = rng.next();
    if (u < status503) return '503';
    if (u < status503 + reset) return 'reset';
    return 'serve';
  }

  /** Draws the service time (ms) of a request whose service starts at `t`. */
  serviceMs(t: number, rng: Rng): number {
    return this.#window(t).latency.draw(rng) * this.#coldFactor(t);
  }

  /** The mean service time (ms) of a request starting at `t` (what an all-knowing oracle expects). */
  meanServiceMs(t: number): number {
    return this.#window(t).latency.mean * this.#coldFactor(t);
  }

  /** The share of requests arriving at `t` that fail (503 or reset). */
  failureShare(t: number): number {
    const { status503, reset } = this.#window(t).errors;
    return status503 + reset;
  }

  #window(t: number): Window {
    for (const w of this.#windows) if (t >= w.start && t < w.end) return w;
    return this.#base;
  }

  #coldFactor(t: number): number {
    const cold = this.spec.coldStart;
    if (!cold) return 1;
    const left = 1 - (t - this.#joinMs) / cold.ms;
    return 1 + (cold.factor - 1) * Math.min(Math.max(left, 0), 1);
  }
}

function cost(w: Window): number {
  const served = 1 - w.errors.status503 - w.errors.reset;
  return served <= 0 ? Infinity : w.latency.mean / served;
}

import type { BackendSpec } from '../scenario/scenario.js';

/**
 * When the fleet's membership changes (scale-out, scale-in), from the backends' `joinAt` and
 * `leaveAt`: the times (ms since the measured window started) at which discovery publishes a new
 * endpoint list, and who is in it. Backends with `joinAt` 0 are there from the warm-up on.
 */
export class MembershipTimeline {
  readonly #specs: readonly BackendSpec[];
  readonly #durationMs: number;
  /** Change times, ascending, without 0 (the initial membership). */
  readonly changes: readonly number[];

  constructor(specs: readonly BackendSpec[], durationMs: number) {
    this.#specs = specs;
    this.#durationMs = durationMs;
    const times = new Set<number>();
    for (const s of specs) {
      if (s.joinAt > 0) times.add(s.joinAt * durationMs);
      if (s.leaveAt < 1) times.add(s.leaveAt * durationMs);
    }
    this.changes = [...times].sort((a, b) => a - b);
  }

  /** Indexes (in scenario order) of the backends in the fleet at time `t`. */
  membersAt(t: number): number[] {
    const out: number[] = [];
    this.#specs.forEach((s, i) => {
      const joined = s.joinAt === 0 || t >= s.joinAt * this.#durationMs;
      const left = s.leaveAt < 1 && t >= s.leaveAt * this.#durationMs;
      if (joined && !left) out.push(i);
    });
    return out;
  }
}

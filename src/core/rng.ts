/**
 * Randomness, injected. Only this file calls `Math.random` (docs/architecture.md, section 5);
 * balancers, jitter and samplers take an {@link Rng} so tests can seed it and assert exact values.
 */

/** A source of uniform random numbers. */
export interface Rng {
  /** A float uniformly distributed in [0, 1). */
  next(): number;
}

/** An integer uniformly distributed in [0, n), for n >= 1. */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng.next() * n);
}

/**
 * A fast seeded generator (sfc32, from PractRand; 128-bit state, period >= 2^32),
 * deterministic across platforms. The same seed gives the same sequence.
 *
 * @param seed - any 32-bit integer
 */
export function seededRng(seed: number): Rng {
  // The state lives in an Int32Array: as closure variables, uint32 values above 2^31 would be
  // boxed as heap numbers, one allocation per step (about 10x slower per draw).
  const state = new Int32Array([0x9e3779b9, 0x243f6a88, 0xb7e15162, seed >>> 0]);
  const next = (): number => {
    const a = state[0]!;
    const b = state[1]!;
    const c = state[2]!;
    const d = (state[3]! + 1) | 0;
    const t = (((a + b) | 0) + d) | 0;
    state[0] = b ^ (b >>> 9);
    state[1] = (c + (c << 3)) | 0;
    state[2] = (((c << 21) | (c >>> 11)) + t) | 0;
    state[3] = d;
    return (t >>> 0) / 4294967296;
  };
  // Discard the first outputs so that nearby seeds diverge.
  for (let i = 0; i < 15; i++) next();
  return { next };
}

/** The process generator, backed by `Math.random`. */
export const systemRng: Rng = Object.freeze({ next: () => Math.random() });

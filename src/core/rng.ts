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
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // Discard the first outputs so that nearby seeds diverge.
  for (let i = 0; i < 15; i++) next();
  return { next };
}

/** The process generator, backed by `Math.random`. */
export const systemRng: Rng = Object.freeze({ next: () => Math.random() });

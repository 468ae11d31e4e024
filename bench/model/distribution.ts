import { ConfigError } from '../../src/core/errors.js';
import { readOptions } from '../../src/core/options.js';
import type { Rng } from '../../src/core/rng.js';
import { requiredNumber } from '../scenario/required.js';

/**
 * A latency distribution, in milliseconds, as a scenario file writes it:
 * - `{ "type": "constant", "ms": 5 }`
 * - `{ "type": "normal", "mean": 5, "stddev": 1 }` (draws below 0 are clamped to 0)
 * - `{ "type": "lognormal", "median": 5, "sigma": 0.5 }` (heavy right tail; `sigma` is the log-space standard deviation)
 * - `{ "type": "exponential", "mean": 5 }` (the M in M/M/c)
 * - `{ "type": "bimodal", "fast": <dist>, "slow": <dist>, "slowShare": 0.01 }` (GC-like pauses: a share of draws come from `slow`)
 */
export type LatencySpec =
  | { readonly type: 'constant'; readonly ms: number }
  | { readonly type: 'normal'; readonly mean: number; readonly stddev: number }
  | { readonly type: 'lognormal'; readonly median: number; readonly sigma: number }
  | { readonly type: 'exponential'; readonly mean: number }
  | { readonly type: 'bimodal'; readonly fast: LatencySpec; readonly slow: LatencySpec; readonly slowShare: number };

/** A sampler built from a {@link LatencySpec}. */
export interface Latency {
  /** Draws one latency (ms, >= 0) using `rng`. */
  draw(rng: Rng): number;
  /** The distribution's mean (ms); the oracle's estimate of a backend's service time. */
  readonly mean: number;
}

/**
 * Validates a latency spec read from JSON.
 * @throws ConfigError naming `option` (for example `backends[2].latency.stddev`)
 */
export function parseLatency(value: unknown, option: string): LatencySpec {
  const type = (value as { type?: unknown } | null)?.type;
  switch (type) {
    case 'constant': {
      const o = readOptions(value, option, ['type', 'ms'] as const);
      return { type, ms: requiredNumber(o.ms, `${option}.ms`) };
    }
    case 'normal': {
      const o = readOptions(value, option, ['type', 'mean', 'stddev'] as const);
      return { type, mean: requiredNumber(o.mean, `${option}.mean`), stddev: requiredNumber(o.stddev, `${option}.stddev`) };
    }
    case 'lognormal': {
      const o = readOptions(value, option, ['type', 'median', 'sigma'] as const);
      return { type, median: requiredNumber(o.median, `${option}.median`), sigma: requiredNumber(o.sigma, `${option}.sigma`) };
    }
    case 'exponential': {
      const o = readOptions(value, option, ['type', 'mean'] as const);
      return { type, mean: requiredNumber(o.mean, `${option}.mean`) };
    }
    case 'bimodal': {
      const o = readOptions(value, option, ['type', 'fast', 'slow', 'slowShare'] as const);
      return {
        type,
        fast: parseLatency(o.fast, `${option}.fast`),
        slow: parseLatency(o.slow, `${option}.slow`),
        slowShare: requiredNumber(o.slowShare, `${option}.slowShare`, { max: 1 }),
      };
    }
    default:
      throw new ConfigError(`${option}.type`, type, 'one of constant, normal, lognormal, exponential, bimodal');
  }
}

/** Builds a sampler for `spec`, its draws multiplied by `factor` (a slow phase, a cold start). */
export function latency(spec: LatencySpec, factor = 1): Latency {
  switch (spec.type) {
    case 'constant':
      return { mean: spec.ms * factor, draw: () => spec.ms * factor };
    case 'normal':
      return { mean: spec.mean * factor, draw: (rng) => Math.max(0, spec.mean + spec.stddev * standardNormal(rng)) * factor };
    case 'lognormal':
      return {
        mean: spec.median * Math.exp((spec.sigma * spec.sigma) / 2) * factor,
        draw: (rng) => spec.median * Math.exp(spec.sigma * standardNormal(rng)) * factor,
      };
    case 'exponential':
      return { mean: spec.mean * factor, draw: (rng) => exponential(rng, spec.mean) * factor };
    case 'bimodal': {
      const fast = latency(spec.fast, factor);
      const slow = latency(spec.slow, factor);
      return {
        mean: (1 - spec.slowShare) * fast.mean + spec.slowShare * slow.mean,
        draw: (rng) => (rng.next() < spec.slowShare ? slow : fast).draw(rng),
      };
    }
  }
}

/** An exponential draw with the given mean, by inversion. */
export function exponential(rng: Rng, mean: number): number {
  // 1 - u is in (0, 1], so the log is finite.
  return -Math.log(1 - rng.next()) * mean;
}

/** A standard normal draw (Box-Muller; the second value of the pair is not kept). */
function standardNormal(rng: Rng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

import type { Rng } from '../core/rng.js';

/** Exponential backoff settings, validated (all in milliseconds). */
export interface BackoffSettings {
  /** Ceiling of the first retry's delay (ms). */
  readonly initial: number;
  /** Largest ceiling any retry's delay may have (ms). */
  readonly max: number;
  /** Growth of the ceiling per retry. */
  readonly multiplier: number;
}

/**
 * Exponential backoff with full jitter ("Exponential Backoff And Jitter", Marc Brooker, AWS
 * Architecture Blog, 2015; Envoy's retry back-off does the same): retry `n` (0 for the first)
 * waits a whole number of milliseconds drawn uniformly from `[0, min(max, initial × multiplier^n))`.
 * Spreading retries over the whole interval, rather than p-retry's 1–2× factor, is what keeps
 * clients that failed together from retrying together.
 */
export function backoffDelay(retry: number, settings: BackoffSettings, rng: Rng): number {
  const ceiling = Math.min(settings.max, settings.initial * settings.multiplier ** retry);
  return Math.floor(rng.next() * ceiling);
}

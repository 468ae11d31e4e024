import { randomInt, seededRng, type Rng } from '../../src/core/rng.js';
import { exponential } from '../model/distribution.js';
import { rateAt, type LoadSpec } from '../scenario/scenario.js';

/** Distinct request keys (users) the consistent-hashing strategies see. */
const KEY_POPULATION = 10_000;

/**
 * The seeded open-loop arrival sequence of one scenario: intended send times from `-warmupMs` to
 * the end of the measured window, Poisson (exponential gaps) or evenly spaced, at the scenario's
 * possibly ramping rate. The same seed gives the same sequence, so every strategy in a scenario is
 * offered exactly the same requests at the same intended times.
 */
export class ArrivalSchedule {
  readonly #load: LoadSpec;
  readonly #durationMs: number;
  readonly #gaps: Rng;
  readonly #keys: Rng;
  #t: number;
  #key = '';

  /**
   * @param load - the offered load
   * @param durationMs - length of the measured window (ms)
   * @param warmupMs - unrecorded lead-in before it (ms)
   * @param seed - the scenario's seed
   */
  constructor(load: LoadSpec, durationMs: number, warmupMs: number, seed: number) {
    this.#load = load;
    this.#durationMs = durationMs;
    this.#gaps = seededRng(seed);
    this.#keys = seededRng(seed ^ 0x5bd1e995);
    this.#t = -warmupMs;
  }

  /**
   * The next intended send time (ms since the measured window started; negative in warm-up), or
   * `undefined` once the window is over. Sets {@link ArrivalSchedule.key} for that arrival.
   */
  next(): number | undefined {
    const rate = rateAt(this.#load, this.#durationMs, this.#t);
    const gap = this.#load.arrival === 'constant' ? 1_000 / rate : exponential(this.#gaps, 1_000 / rate);
    this.#t += gap;
    if (this.#t >= this.#durationMs) return undefined;
    this.#key = `u${randomInt(this.#keys, KEY_POPULATION)}`;
    return this.#t;
  }

  /** The request key (a user id for consistent hashing) of the arrival last returned by `next()`. */
  get key(): string {
    return this.#key;
  }
}

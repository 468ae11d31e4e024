import { ConfigError } from '../core/errors.js';
import { numberOption, readOptions } from '../core/options.js';

/**
 * Slow start: an endpoint that just joined the fleet gets a reduced share of traffic that ramps
 * up over a window, so a fleet that scales out does not flood its new, cold instances.
 *
 * The effective weight is Envoy's (`envoy.config.cluster.v3.Cluster.SlowStartConfig`):
 * `weight × max(minWeightPercent / 100, timeFactor ^ (1 / aggression))` with
 * `timeFactor = timeSinceJoin / windowMs`, until the window ends. Unlike Envoy, time is not
 * rounded up to one second, so the ramp starts at `minWeightPercent` for any window length.
 *
 * Endpoints that joined together ramp together, so slow start changes nothing for a fleet that
 * starts all at once: it only shifts traffic away from the newcomers of a scale-out.
 */
export interface SlowStartOptions {
  /** Length of the ramp in ms (required; > 0). */
  windowMs: number;
  /**
   * Shape of the ramp: the weight follows `timeFactor ^ (1 / aggression)`. 1 (the default) is
   * linear; above 1 ramps fast early, below 1 holds back longer.
   */
  aggression?: number;
  /** Floor of the effective weight during the window, in percent of the weight (default 10, Envoy's). */
  minWeightPercent?: number;
}

/** Envoy's default ramp shape (linear). */
const DEFAULT_AGGRESSION = 1;
/** Envoy's default floor, in percent of the endpoint's weight. */
const DEFAULT_MIN_WEIGHT_PERCENT = 10;

/** A validated slow-start configuration; {@link SlowStart.factor} is the ramp. */
export class SlowStart {
  /** Length of the ramp (ms). */
  readonly windowMs: number;
  readonly #inverseAggression: number;
  readonly #minFactor: number;

  constructor(windowMs: number, aggression: number, minWeightPercent: number) {
    this.windowMs = windowMs;
    this.#inverseAggression = 1 / aggression;
    this.#minFactor = minWeightPercent / 100;
  }

  /**
   * The multiplier applied to the weight of an endpoint that joined at `joinedAt`, at `now`
   * (clock ms): in `[minWeightPercent / 100, 1]`, and exactly 1 from the end of the window.
   */
  factor(joinedAt: number, now: number): number {
    const elapsed = now - joinedAt;
    if (elapsed >= this.windowMs) return 1;
    const time = elapsed > 0 ? elapsed / this.windowMs : 0;
    const ramp = this.#inverseAggression === 1 ? time : time ** this.#inverseAggression;
    return ramp > this.#minFactor ? ramp : this.#minFactor;
  }
}

/**
 * Validates a `slowStart` option (a {@link SlowStartOptions} object, or undefined for none).
 * @throws ConfigError naming `option.windowMs`, `option.aggression` or `option.minWeightPercent`
 */
export function slowStartOption(value: unknown, option: string): SlowStart | undefined {
  if (value === undefined) return undefined;
  const o = readOptions(value, option, ['windowMs', 'aggression', 'minWeightPercent'] as const);
  if (o.windowMs === undefined) throw new ConfigError(`${option}.windowMs`, undefined, 'the length of the ramp in ms (a finite number > 0)');
  const windowMs = positiveNumber(o.windowMs, `${option}.windowMs`, 0);
  const aggression = positiveNumber(o.aggression, `${option}.aggression`, DEFAULT_AGGRESSION);
  const minWeightPercent = numberOption(o.minWeightPercent, `${option}.minWeightPercent`, DEFAULT_MIN_WEIGHT_PERCENT, { min: 0, max: 100 });
  return new SlowStart(windowMs, aggression, minWeightPercent);
}

/** A finite number > 0, or `fallback` when undefined. */
function positiveNumber(value: unknown, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new ConfigError(option, value, 'a finite number > 0');
  return value;
}

import { ConfigError } from '../core/errors.js';
import { numberOption, readOptions } from '../core/options.js';
import { DEFAULTS } from '../defaults.js';
import type { RetryBudgetSettings } from '../retry/retry-budget.js';
import { LATENCY_WINDOW_SIZE } from './latency-window.js';
import { parseBudgetOptions, type RetryBudgetOptions } from '../retry/retry-options.js';

/**
 * Hedging options (`createClient({ hedge })`, off by default): when an idempotent attempt has
 * not answered after a delay, a second attempt goes to another endpoint and the first good reply
 * wins ("The Tail at Scale", Dean and Barroso, CACM 2013). Hedges spend their own budget.
 */
export interface HedgeOptions {
  /** Fixed hedge delay in ms, and the delay used until `minSamples` latencies are known (default 50). */
  delay?: number;
  /** Hedge after this percentile (0–100, exclusive) of recently observed attempt latency instead of a fixed delay. */
  percentile?: number;
  /** Latency samples needed before `percentile` is used (default 100, at most 1 000: the window kept). */
  minSamples?: number;
  /** Hedges allowed per request over a sliding window (default 5 % of requests, no floor, 10 s). */
  budget?: RetryBudgetOptions;
}

/** Validated hedge settings. */
export interface HedgeSettings {
  readonly delay: number;
  readonly percentile: number | undefined;
  readonly minSamples: number;
  readonly budget: RetryBudgetSettings;
}

/**
 * Validates the `hedge` option: `false` or `undefined` turns hedging off.
 * @throws ConfigError naming the option and the bad value
 */
export function parseHedgeOptions(value: unknown, option = 'hedge'): HedgeSettings | false {
  if (value === false || value === undefined) return false;
  const d = DEFAULTS.hedge;
  const o = readOptions(value, option, ['delay', 'percentile', 'minSamples', 'budget'] as const);
  const percentile = o.percentile === undefined ? undefined : numberOption(o.percentile, `${option}.percentile`, 0, { min: 0, max: 100 });
  if (percentile === 0 || percentile === 100) throw new ConfigError(`${option}.percentile`, percentile, 'a number between 0 and 100, exclusive');
  return {
    delay: numberOption(o.delay, `${option}.delay`, d.delay),
    percentile,
    minSamples: numberOption(o.minSamples, `${option}.minSamples`, d.minSamples, { min: 1, max: LATENCY_WINDOW_SIZE, integer: true }),
    budget: parseBudgetOptions(o.budget ?? {}, `${option}.budget`, d.budget),
  };
}

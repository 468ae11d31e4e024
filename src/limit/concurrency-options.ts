import type { Rng } from '../core/rng.js';
import { ConfigError } from '../core/errors.js';
import { isPlainObject, numberOption, readOptions } from '../core/options.js';
import { DEFAULTS } from '../defaults.js';
import { aimdLimit } from './aimd-limit.js';
import type { ConcurrencyLimit, ConcurrencyLimitAlgorithm } from './concurrency-limit.js';
import { fixedLimit } from './fixed-limit.js';
import { gradient2Limit } from './gradient2-limit.js';
import { vegasLimit } from './vegas-limit.js';

/** Bounds every adaptive algorithm shares. */
export interface LimitBoundsOptions {
  /** The limit before any sample (default 20). */
  initialLimit?: number;
  /** The lowest the limit goes (default 1). */
  minLimit?: number;
  /** The highest the limit goes (default 200). */
  maxLimit?: number;
}

/** `{ algorithm: 'aimd' }`: additive increase, multiplicative decrease on drops. */
export interface AimdLimitOptions extends LimitBoundsOptions {
  algorithm: 'aimd';
  /** Factor applied to the limit on a drop, in [0.5, 1) (default 0.9). */
  backoffRatio?: number;
  /** An RTT above this counts as a drop (ms, default 5 000). */
  timeoutMs?: number;
}

/** `{ algorithm: 'vegas' }`: TCP Vegas' queue estimate from the no-load RTT. */
export interface VegasLimitOptions extends LimitBoundsOptions {
  algorithm: 'vegas';
  /** Weight of each new estimate, in (0, 1] (default 1: no smoothing). */
  smoothing?: number;
  /** The no-load RTT is probed again every `probeMultiplier × limit` samples (default 30). */
  probeMultiplier?: number;
}

/** `{ algorithm: 'gradient2' }`: the latest RTT against a long-term average (Netflix's default algorithm). */
export interface Gradient2LimitOptions extends LimitBoundsOptions {
  algorithm: 'gradient2';
  /** Weight of each new estimate, in (0, 1] (default 0.2). */
  smoothing?: number;
  /** How far the limit may grow per sample while latency stays at its baseline (default 4). */
  queueSize?: number;
  /** Samples in the long-term RTT average (default 600). */
  longWindow?: number;
}

/** `{ algorithm: 'fixed' }`: a constant limit. */
export interface FixedLimitOptions {
  algorithm: 'fixed';
  /** Attempts allowed in flight (required, an integer >= 1). */
  limit: number;
}

/**
 * The `concurrencyLimit` option (off by default): an algorithm by name with its settings, or
 * your own {@link ConcurrencyLimit}. Each client (one service) gets its own limit state.
 */
export type ConcurrencyLimitOptions = AimdLimitOptions | VegasLimitOptions | Gradient2LimitOptions | FixedLimitOptions | ConcurrencyLimit;

/** A validated `concurrencyLimit` option: builds the limit for one client. */
export interface ConcurrencyLimitSettings {
  readonly algorithm: ConcurrencyLimitAlgorithm | 'custom';
  /**
   * What the limit is configured as: the algorithm's validated parameters, or your limit object.
   * Two configs with equal identities share one limit state across a reload.
   */
  readonly identity: unknown;
  readonly create: (rng: Rng) => ConcurrencyLimit;
}

const BOUND_KEYS = ['algorithm', 'initialLimit', 'minLimit', 'maxLimit'] as const;
const ALGORITHMS: readonly ConcurrencyLimitAlgorithm[] = ['aimd', 'vegas', 'gradient2', 'fixed'];

/**
 * Validates the `concurrencyLimit` option: `false` or `undefined` turns it off.
 * @throws ConfigError naming the option and the bad value
 */
export function parseConcurrencyLimitOptions(value: unknown, option = 'concurrencyLimit'): ConcurrencyLimitSettings | false {
  if (value === false || value === undefined) return false;
  if (isPlainObject(value) || (value !== null && typeof value === 'object')) {
    const custom = value as Partial<ConcurrencyLimit>;
    if (typeof custom.onSample === 'function') {
      if (!(Number.isInteger(custom.limit) && custom.limit! >= 1)) throw new ConfigError(`${option}.limit`, custom.limit, 'an integer >= 1 (a ConcurrencyLimit reads its limit)');
      return { algorithm: 'custom', identity: custom, create: () => custom as ConcurrencyLimit };
    }
  }
  if (!isPlainObject(value)) throw new ConfigError(option, value, `false, { algorithm: ${ALGORITHMS.map((a) => `'${a}'`).join(' | ')}, ... } or a ConcurrencyLimit`);
  const algorithm = value.algorithm;
  const d = DEFAULTS.concurrencyLimit;
  switch (algorithm) {
    case 'fixed': {
      const o = readOptions(value, option, ['algorithm', 'limit'] as const);
      if (o.limit === undefined) throw new ConfigError(`${option}.limit`, undefined, 'an integer >= 1');
      const limit = numberOption(o.limit, `${option}.limit`, 1, { min: 1, integer: true });
      return { algorithm, identity: { algorithm, limit }, create: () => fixedLimit(limit) };
    }
    case 'aimd': {
      const o = readOptions(value, option, [...BOUND_KEYS, 'backoffRatio', 'timeoutMs'] as const);
      const bounds = parseBounds(o, option);
      const backoffRatio = numberOption(o.backoffRatio, `${option}.backoffRatio`, d.aimd.backoffRatio, { min: 0.5, max: 0.999_999 });
      const timeoutMs = numberOption(o.timeoutMs, `${option}.timeoutMs`, d.aimd.timeoutMs, { min: 1, allowInfinity: true });
      return { algorithm, identity: { algorithm, ...bounds, backoffRatio, timeoutMs }, create: () => aimdLimit({ ...bounds, backoffRatio, timeoutMs }) };
    }
    case 'vegas': {
      const o = readOptions(value, option, [...BOUND_KEYS, 'smoothing', 'probeMultiplier'] as const);
      const bounds = parseBounds(o, option);
      const smoothing = fraction(o.smoothing, `${option}.smoothing`, d.vegas.smoothing);
      const probeMultiplier = numberOption(o.probeMultiplier, `${option}.probeMultiplier`, d.vegas.probeMultiplier, { min: 1 });
      return { algorithm, identity: { algorithm, ...bounds, smoothing, probeMultiplier }, create: (rng) => vegasLimit({ ...bounds, smoothing, probeMultiplier }, rng) };
    }
    case 'gradient2': {
      const o = readOptions(value, option, [...BOUND_KEYS, 'smoothing', 'queueSize', 'longWindow'] as const);
      const bounds = parseBounds(o, option);
      const smoothing = fraction(o.smoothing, `${option}.smoothing`, d.gradient2.smoothing);
      const queueSize = numberOption(o.queueSize, `${option}.queueSize`, d.gradient2.queueSize, { min: 0 });
      const longWindow = numberOption(o.longWindow, `${option}.longWindow`, d.gradient2.longWindow, { min: 1, integer: true });
      return { algorithm, identity: { algorithm, ...bounds, smoothing, queueSize, longWindow }, create: () => gradient2Limit({ ...bounds, smoothing, queueSize, longWindow }) };
    }
    default:
      throw new ConfigError(`${option}.algorithm`, algorithm, `one of ${ALGORITHMS.map((a) => `'${a}'`).join(', ')}`);
  }
}

function parseBounds(o: Partial<Record<(typeof BOUND_KEYS)[number], unknown>>, option: string): { initialLimit: number; minLimit: number; maxLimit: number } {
  const d = DEFAULTS.concurrencyLimit;
  const minLimit = numberOption(o.minLimit, `${option}.minLimit`, d.minLimit, { min: 1, integer: true });
  const maxLimit = numberOption(o.maxLimit, `${option}.maxLimit`, Math.max(d.maxLimit, minLimit), { min: minLimit, integer: true });
  const initialLimit = numberOption(o.initialLimit, `${option}.initialLimit`, Math.min(maxLimit, Math.max(minLimit, d.initialLimit)), { min: minLimit, max: maxLimit, integer: true });
  return { initialLimit, minLimit, maxLimit };
}

function fraction(value: unknown, option: string, fallback: number): number {
  const x = numberOption(value, option, fallback, { min: 0, max: 1 });
  if (x === 0) throw new ConfigError(option, x, 'a number in (0, 1]');
  return x;
}

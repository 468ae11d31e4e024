import { ConfigError } from '../core/errors.js';
import { numberOption, readOptions, stringOption } from '../core/options.js';
import { DEFAULTS } from '../defaults.js';

/**
 * What an alert rule watches, per service:
 * - `success-rate`: the share (0 to 1) of logical calls in the window that got a reply below 500;
 * - `p99`: the 99th percentile of logical call latency in the window (ms, to the response headers);
 * - `ejected-share`: the share (0 to 1) of endpoints ejected by their breaker, now;
 * - `budget-exhausted`: retries and hedges refused by their budget in the window (a count);
 * - `discovery-stale`: how long (ms) discovery has been failing since its last good snapshot, now.
 */
export type AlertMetric = 'success-rate' | 'p99' | 'ejected-share' | 'budget-exhausted' | 'discovery-stale';

/** The metrics an alert rule may watch. */
const METRICS: readonly AlertMetric[] = ['success-rate', 'p99', 'ejected-share', 'budget-exhausted', 'discovery-stale'];

/** What a firing alert makes of its service's health. */
export type AlertSeverity = 'degraded' | 'down';

/**
 * An alert rule of a mesh config: it fires when its metric passes a threshold (`above` or
 * `below`, exactly one) for `for` ms, and resolves when the metric is back past `resolve` (the
 * same threshold unless given: a `resolve` on the healthy side of the threshold is the
 * hysteresis band) for `for` ms, so an alert does not flap around its threshold.
 */
export interface AlertRuleOptions {
  /** The rule's name, unique in the config; the `alert` field of its events. */
  name: string;
  /** The service it watches (default: every service, one alert each). */
  service?: string;
  /** What it watches. */
  metric: AlertMetric;
  /** Fires when the metric is greater than this. */
  above?: number;
  /** Fires when the metric is less than this. */
  below?: number;
  /** Resolves once the metric is back at or past this value (default: the threshold). */
  resolve?: number;
  /** Rolling window of the call and budget metrics (ms, default 60 000). */
  window?: number;
  /** How long (ms) the condition, or the resolve condition, must hold before the alert changes (default 0). */
  for?: number;
  /** `success-rate` and `p99`: fewer calls than this in the window are not judged and the alert stays as it is (default 10). */
  minCalls?: number;
  /** What the firing alert makes of the service's `health()` (default `degraded`). */
  severity?: AlertSeverity;
}

/** The `alerts` section of a mesh config. */
export interface AlertsOptions {
  /** How often the rules are evaluated (ms, default 1 000). */
  interval?: number;
  /** The rules. */
  rules: readonly AlertRuleOptions[];
}

/** A validated alert rule. */
export interface AlertRule {
  readonly name: string;
  /** Lower-cased service name, or `undefined` for every service. */
  readonly service: string | undefined;
  readonly metric: AlertMetric;
  /** `above`: fires when the value is greater than the threshold; `below`: less than it. */
  readonly direction: 'above' | 'below';
  readonly threshold: number;
  readonly resolve: number;
  readonly windowMs: number;
  readonly forMs: number;
  readonly minCalls: number;
  readonly severity: AlertSeverity;
}

/** Validated alerts. */
export interface AlertSettings {
  readonly intervalMs: number;
  readonly rules: readonly AlertRule[];
}

/** No alert rules. */
export const NO_ALERTS: AlertSettings = Object.freeze({ intervalMs: DEFAULTS.alerts.intervalMs, rules: Object.freeze([]) });

const RULE_KEYS = ['name', 'service', 'metric', 'above', 'below', 'resolve', 'window', 'for', 'minCalls', 'severity'] as const;

/**
 * Validates the `alerts` section of a mesh config.
 * @param services - the config's service names, lower-cased: a rule must name one of them
 * @throws ConfigError naming the option path and the bad value
 */
export function parseAlertsOptions(value: unknown, option: string, services: ReadonlySet<string>): AlertSettings {
  if (value === undefined) return NO_ALERTS;
  const o = readOptions(value, option, ['interval', 'rules'] as const);
  const intervalMs = numberOption(o.interval, `${option}.interval`, DEFAULTS.alerts.intervalMs, { min: 1 });
  if (!Array.isArray(o.rules)) throw new ConfigError(`${option}.rules`, o.rules, 'an array of alert rules');
  const names = new Set<string>();
  const rules = o.rules.map((rule, i) => {
    const parsed = parseRule(rule, `${option}.rules[${i}]`, services);
    if (names.has(parsed.name)) throw new ConfigError(`${option}.rules[${i}].name`, parsed.name, 'a rule name not used twice');
    names.add(parsed.name);
    return parsed;
  });
  return Object.freeze({ intervalMs, rules: Object.freeze(rules) });
}

function parseRule(value: unknown, option: string, services: ReadonlySet<string>): AlertRule {
  const o = readOptions(value, option, RULE_KEYS);
  const name = stringOption(o.name, `${option}.name`);
  let service: string | undefined;
  if (o.service !== undefined) {
    service = stringOption(o.service, `${option}.service`).toLowerCase();
    if (!services.has(service)) throw new ConfigError(`${option}.service`, o.service, `a service of this config (${[...services].join(', ') || 'none'})`);
  }
  const metric = o.metric as AlertMetric;
  if (!METRICS.includes(metric)) throw new ConfigError(`${option}.metric`, o.metric, `one of ${METRICS.join(', ')}`);
  if ((o.above === undefined) === (o.below === undefined)) throw new ConfigError(`${option}.above`, o.above, 'either above or below (exactly one)');
  const direction = o.above !== undefined ? 'above' : 'below';
  const share = metric === 'success-rate' || metric === 'ejected-share';
  const bounds = { min: 0, max: share ? 1 : Infinity };
  const threshold = numberOption(o[direction], `${option}.${direction}`, 0, bounds);
  const resolve = numberOption(o.resolve, `${option}.resolve`, threshold, bounds);
  if (direction === 'above' ? resolve > threshold : resolve < threshold) {
    throw new ConfigError(`${option}.resolve`, o.resolve, `a value on the healthy side of the threshold (${direction === 'above' ? 'at most' : 'at least'} ${threshold})`);
  }
  const severity = o.severity ?? 'degraded';
  if (severity !== 'degraded' && severity !== 'down') throw new ConfigError(`${option}.severity`, o.severity, '"degraded" or "down"');
  return Object.freeze({
    name,
    service,
    metric,
    direction,
    threshold,
    resolve,
    windowMs: numberOption(o.window, `${option}.window`, DEFAULTS.alerts.windowMs, { min: 10 }),
    forMs: numberOption(o.for, `${option}.for`, 0),
    minCalls: numberOption(o.minCalls, `${option}.minCalls`, DEFAULTS.alerts.minCalls, { min: 1, integer: true }),
    severity,
  });
}


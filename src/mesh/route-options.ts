import type { Balancer } from '../balance/balancer.js';
import { resolveBalancer, type BalancerName } from '../balance/registry.js';
import { ConfigError } from '../core/errors.js';
import { booleanOption, numberOption, readOptions, stringOption } from '../core/options.js';
import { parseHedgeOptions, type HedgeOptions, type HedgeSettings } from '../hedge/hedge-options.js';
import { parseRetryOptions, type RetryOptions, type RetrySettings } from '../retry/retry-options.js';
import { parseTimeoutOptions, type TimeoutOptions, type TimeoutSettings } from './timeout-options.js';

/** How a route matches the request path (without the query). Give exactly one. */
export interface PathMatchOptions {
  /** The path equals this. */
  exact?: string;
  /** The path starts with this. */
  prefix?: string;
  /** The path matches this regular expression (JavaScript syntax, matched against the whole path). */
  regex?: string;
}

/**
 * How a route matches one request header (names are case-insensitive). Give one of `exact`,
 * `prefix`, `regex` or `present`; `invert` negates the result, as Envoy's `invert_match`.
 */
export interface HeaderMatchOptions {
  /** The header name. */
  name: string;
  /** The value equals this. */
  exact?: string;
  /** The value starts with this. */
  prefix?: string;
  /** The value matches this regular expression (whole value). */
  regex?: string;
  /** `true`: the header is present (any value); `false`: it is absent. */
  present?: boolean;
  /** Negate the match (default false). */
  invert?: boolean;
}

/** What a route matches; every given condition must hold. An empty match matches every call. */
export interface RouteMatchOptions {
  /** The request path. */
  path?: PathMatchOptions;
  /** The method, or one of several (upper-case). */
  method?: string | readonly string[];
  /** Header conditions, all of which must hold. */
  headers?: readonly HeaderMatchOptions[];
}

/** One share of a weighted split: a subset of the service's endpoints and its weight. */
export interface SplitOptions {
  /** A subset name from the service's `subsets` (default: every endpoint of the service). */
  subset?: string;
  /** The share's weight, a number >= 0; shares are picked in proportion to their weights. */
  weight: number;
}

/**
 * A routing rule of a service: routes are tried in order and the first that matches a call
 * decides where it goes and with which policy. A call no route matches goes to the whole
 * service with the service's own policy.
 */
export interface RouteOptions {
  /** A name for stats and spans (default `route[i]`). */
  name?: string;
  /** What the route matches (default: everything). */
  match?: RouteMatchOptions;
  /**
   * Where matching calls go: a weighted split across subsets (a canary at 90/10, say), picked
   * once per logical call, so its retries and hedges stay in the subset picked.
   */
  split?: readonly SplitOptions[];
  /** Shorthand for `split: [{ subset, weight: 1 }]`. */
  subset?: string;
  /** Time limits for matching calls; a limit not given is the service's. */
  timeout?: TimeoutOptions;
  /** The retry policy for matching calls, replacing the service's (`false`: none). */
  retry?: RetryOptions | false;
  /** The hedging policy for matching calls, replacing the service's (`false`: none). */
  hedge?: HedgeOptions | false;
  /** The balancer for matching calls, replacing the service's. */
  balancer?: BalancerName | Balancer;
}

/** A compiled predicate over a call's method, path (no query) and lower-cased headers. */
export type RouteMatcher = (method: string, path: string, headers: Readonly<Record<string, string>>) => boolean;

/** One validated share of a route's split. */
export interface SplitSettings {
  readonly subset: string | undefined;
  readonly weight: number;
}

/** A validated route. Overrides left `undefined` take the service's. */
export interface RouteSettings {
  readonly name: string;
  readonly matches: RouteMatcher;
  readonly split: readonly SplitSettings[];
  readonly timeout: TimeoutSettings | undefined;
  readonly retry: RetrySettings | false | undefined;
  readonly hedge: HedgeSettings | false | undefined;
  readonly balancer: Balancer | undefined;
}

const ROUTE_KEYS = ['name', 'match', 'split', 'subset', 'timeout', 'retry', 'hedge', 'balancer'] as const satisfies readonly (keyof RouteOptions)[];
const HEADER_KEYS = ['name', 'exact', 'prefix', 'regex', 'present', 'invert'] as const satisfies readonly (keyof HeaderMatchOptions)[];

/**
 * Validates a service's `routes` at `option` (`services.payments.routes`), checking every
 * subset a split names against `subsets`.
 * @throws ConfigError naming the option path and the bad value
 */
export function parseRoutes(value: unknown, option: string, subsets: ReadonlySet<string>, serviceTimeout: TimeoutSettings): readonly RouteSettings[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ConfigError(option, value, 'an array of routes');
  const names = new Set<string>();
  return value.map((route, i) => {
    const parsed = parseRoute(route, `${option}[${i}]`, i, subsets, serviceTimeout);
    if (names.has(parsed.name)) throw new ConfigError(`${option}[${i}].name`, parsed.name, 'a route name not used by another route of the service');
    names.add(parsed.name);
    return parsed;
  });
}

function parseRoute(value: unknown, option: string, index: number, subsets: ReadonlySet<string>, serviceTimeout: TimeoutSettings): RouteSettings {
  const o = readOptions(value, option, ROUTE_KEYS);
  if (o.split !== undefined && o.subset !== undefined) throw new ConfigError(`${option}.subset`, o.subset, 'either split or subset, not both');
  const split = o.subset !== undefined ? [{ subset: subsetName(o.subset, `${option}.subset`, subsets), weight: 1 }] : parseSplit(o.split, `${option}.split`, subsets);
  return {
    name: o.name === undefined ? `route[${index}]` : stringOption(o.name, `${option}.name`),
    matches: parseMatch(o.match, `${option}.match`),
    split,
    timeout: o.timeout === undefined ? undefined : parseTimeoutOptions(o.timeout, `${option}.timeout`, serviceTimeout),
    retry: o.retry === undefined ? undefined : parseRetryOptions(o.retry, `${option}.retry`),
    hedge: o.hedge === undefined ? undefined : parseHedgeOptions(o.hedge, `${option}.hedge`),
    balancer: o.balancer === undefined ? undefined : resolveBalancer(o.balancer, `${option}.balancer`),
  };
}

function subsetName(value: unknown, option: string, subsets: ReadonlySet<string>): string {
  const name = stringOption(value, option);
  if (!subsets.has(name)) {
    throw new ConfigError(option, name, subsets.size === 0 ? 'a subset defined in the service (it defines none)' : `one of the service's subsets: ${[...subsets].join(', ')}`);
  }
  return name;
}

function parseSplit(value: unknown, option: string, subsets: ReadonlySet<string>): readonly SplitSettings[] {
  if (value === undefined) return [{ subset: undefined, weight: 1 }];
  if (!Array.isArray(value) || value.length === 0) throw new ConfigError(option, value, 'a non-empty array of { subset?, weight }');
  const split = value.map((share, i) => {
    const o = readOptions(share, `${option}[${i}]`, ['subset', 'weight'] as const);
    if (o.weight === undefined) throw new ConfigError(`${option}[${i}].weight`, undefined, 'a number >= 0');
    return {
      subset: o.subset === undefined ? undefined : subsetName(o.subset, `${option}[${i}].subset`, subsets),
      weight: numberOption(o.weight, `${option}[${i}].weight`, 0),
    };
  });
  if (!split.some((share) => share.weight > 0)) throw new ConfigError(option, value, 'at least one share with a weight > 0');
  return split;
}

function regexOption(value: unknown, option: string): RegExp {
  const source = stringOption(value, option);
  try {
    // Anchored: a regex matches the whole path or value, as Envoy's safe_regex does.
    return new RegExp(`^(?:${source})$`);
  } catch (error) {
    throw new ConfigError(option, source, `a valid regular expression (${(error as Error).message})`);
  }
}

const always: RouteMatcher = () => true;

function parseMatch(value: unknown, option: string): RouteMatcher {
  if (value === undefined) return always;
  const o = readOptions(value, option, ['path', 'method', 'headers'] as const);
  const tests: RouteMatcher[] = [];
  if (o.path !== undefined) tests.push(parsePathMatch(o.path, `${option}.path`));
  if (o.method !== undefined) tests.push(parseMethodMatch(o.method, `${option}.method`));
  if (o.headers !== undefined) {
    if (!Array.isArray(o.headers)) throw new ConfigError(`${option}.headers`, o.headers, 'an array of header matches');
    o.headers.forEach((h, i) => tests.push(parseHeaderMatch(h, `${option}.headers[${i}]`)));
  }
  if (tests.length === 0) return always;
  if (tests.length === 1) return tests[0]!;
  return (method, path, headers) => tests.every((test) => test(method, path, headers));
}

function parsePathMatch(value: unknown, option: string): RouteMatcher {
  const o = readOptions(value, option, ['exact', 'prefix', 'regex'] as const);
  const given = Object.keys(o);
  if (given.length !== 1) throw new ConfigError(option, value, 'exactly one of exact, prefix or regex');
  if (o.exact !== undefined) {
    const exact = stringOption(o.exact, `${option}.exact`);
    return (_m, path) => path === exact;
  }
  if (o.prefix !== undefined) {
    const prefix = stringOption(o.prefix, `${option}.prefix`);
    return (_m, path) => path.startsWith(prefix);
  }
  const regex = regexOption(o.regex, `${option}.regex`);
  return (_m, path) => regex.test(path);
}

function parseMethodMatch(value: unknown, option: string): RouteMatcher {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) throw new ConfigError(option, value, 'a method or a non-empty array of methods');
  const methods = new Set(list.map((m, i) => stringOption(m, Array.isArray(value) ? `${option}[${i}]` : option).toUpperCase()));
  return (method) => methods.has(method);
}

function parseHeaderMatch(value: unknown, option: string): RouteMatcher {
  const o = readOptions(value, option, HEADER_KEYS);
  const name = stringOption(o.name, `${option}.name`).toLowerCase();
  const kinds = (['exact', 'prefix', 'regex', 'present'] as const).filter((k) => o[k] !== undefined);
  if (kinds.length !== 1) throw new ConfigError(option, value, 'exactly one of exact, prefix, regex or present');
  const invert = booleanOption(o.invert, `${option}.invert`, false);
  let test: (v: string | undefined) => boolean;
  if (o.exact !== undefined) {
    const exact = typeof o.exact === 'string' ? o.exact : stringOption(o.exact, `${option}.exact`);
    test = (v) => v === exact;
  } else if (o.prefix !== undefined) {
    const prefix = stringOption(o.prefix, `${option}.prefix`);
    test = (v) => v !== undefined && v.startsWith(prefix);
  } else if (o.regex !== undefined) {
    const regex = regexOption(o.regex, `${option}.regex`);
    test = (v) => v !== undefined && regex.test(v);
  } else {
    const present = booleanOption(o.present, `${option}.present`, true);
    test = (v) => (v !== undefined) === present;
  }
  return invert ? (_m, _p, headers) => !test(headers[name]) : (_m, _p, headers) => test(headers[name]);
}


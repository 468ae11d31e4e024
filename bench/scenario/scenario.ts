import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseClientOptions } from '../../src/client-options.js';
import { ConfigError } from '../../src/core/errors.js';
import { isPlainObject, numberOption, readOptions, stringOption } from '../../src/core/options.js';
import { parseLatency, type LatencySpec } from '../model/distribution.js';
import { requiredNumber } from './required.js';

/**
 * A bench scenario: a fleet of backends, a load, and the strategies to compare. Scenarios are data
 * (JSON files under `bench/scenarios/`); `npm run bench -- --fleet my-fleet.json` runs a user's own.
 * README.md ("The bench suite") describes every field; {@link parseScenario} validates them and names the bad one.
 */
export interface Scenario {
  /** Short name used in tables and in the results (default: the file's base name). */
  readonly name: string;
  /** One line on what the scenario shows. */
  readonly description: string;
  /** Seed of the arrival sequence, the backends' draws and the balancers' RNG (default 1). */
  readonly seed: number;
  /** Measured time per strategy (ms). Phases, joins and leaves are fractions of it. */
  readonly durationMs: number;
  /** Load sent before the measured window, not recorded (ms; default 500). Backends run their base behaviour. */
  readonly warmupMs: number;
  /** The offered load. */
  readonly load: LoadSpec;
  /** Extra `createClient` options (retry, breaker, timeout, transport, ...), passed through as written. */
  readonly client: Readonly<Record<string, unknown>>;
  /** Strategies to compare, by registry name; `undefined` means every registered balancer. */
  readonly strategies: readonly string[] | undefined;
  /** The backends, with `count` expanded: one entry per backend. */
  readonly backends: readonly BackendSpec[];
  /** Where the scenario runs: the loopback fleet, the simulator, or both (default both). */
  readonly targets: readonly Target[];
}

/** A place a scenario can run. */
export type Target = 'loopback' | 'simulator';

/** The offered load: open loop, it never waits for replies. */
export interface LoadSpec {
  /** Arrivals per second at the start and at the end of the measured window (linear in between). */
  readonly rate: { readonly from: number; readonly to: number };
  /** `poisson` (exponential gaps, the default) or `constant` (evenly spaced). */
  readonly arrival: 'poisson' | 'constant';
  /** The caller's timeout (ms, default 1000): a reply later than this counts as a failure. */
  readonly timeoutMs: number;
}

/** Shares of requests a backend fails, each in [0, 1]. Failures answer at once, without queueing. */
export interface ErrorSpec {
  /** Share answered with `503 Service Unavailable`. */
  readonly status503: number;
  /** Share whose connection is reset without a reply. */
  readonly reset: number;
}

/** A time window in which a backend behaves differently (a slow or failing spell). */
export interface PhaseSpec {
  /** Start, as a fraction of the measured window in [0, 1]. */
  readonly start: number;
  /** End (exclusive), as a fraction of the measured window in [0, 1]. */
  readonly end: number;
  /** Latency during the phase (default: the backend's own). */
  readonly latency: LatencySpec | undefined;
  /** Multiplies the phase's latency draws (default 1). */
  readonly latencyFactor: number;
  /** Error shares during the phase (default: the backend's own). */
  readonly errors: ErrorSpec | undefined;
}

/** A newly joined backend is slower for a while (cold caches, JIT): `factor` × latency, falling linearly to 1 over `ms`. */
export interface ColdStartSpec {
  readonly ms: number;
  readonly factor: number;
}

/** One backend. */
export interface BackendSpec {
  /** Unique name (`<name>-<i>` when `count` > 1; default `b<i>`). */
  readonly name: string;
  /** Service time distribution. */
  readonly latency: LatencySpec;
  /** Requests served at once; the rest wait in a FIFO queue (default Infinity: no queueing). */
  readonly capacity: number;
  /** Error shares outside phases. */
  readonly errors: ErrorSpec;
  /** Time windows with other behaviour; the first matching one applies. */
  readonly phases: readonly PhaseSpec[];
  /** When the backend joins the fleet, as a fraction of the measured window (default 0: from the start). */
  readonly joinAt: number;
  /** When it leaves (default 1: never). */
  readonly leaveAt: number;
  /** Slowness after joining, if any. */
  readonly coldStart: ColdStartSpec | undefined;
  /** Endpoint weight given to the client (default 1). */
  readonly weight: number;
}

/** Command-line overrides of a scenario. */
export interface ScenarioOverrides {
  readonly durationMs?: number | undefined;
  readonly warmupMs?: number | undefined;
  readonly strategies?: readonly string[] | undefined;
  readonly seed?: number | undefined;
}

const SCENARIO_KEYS = ['name', 'description', 'seed', 'durationMs', 'warmupMs', 'load', 'client', 'strategies', 'backends', 'targets'] as const;
const BACKEND_KEYS = ['name', 'count', 'latency', 'capacity', 'errors', 'phases', 'joinAt', 'leaveAt', 'coldStart', 'weight'] as const;
/** Client options the bench itself sets for every run. */
const BENCH_OWNED_CLIENT_KEYS = ['service', 'endpoints', 'discovery', 'balancer', 'clock', 'rng', 'middleware'];
const NO_ERRORS: ErrorSpec = Object.freeze({ status503: 0, reset: 0 });

/**
 * Validates a scenario read from JSON.
 * @param value - the parsed JSON
 * @param fallbackName - the name used when the scenario has none (the file's base name)
 * @throws ConfigError naming the offending field by its path (`backends[1].latency.mean`)
 */
export function parseScenario(value: unknown, fallbackName = 'scenario'): Scenario {
  const o = readOptions(value, '', SCENARIO_KEYS);
  const name = stringOption(o.name, 'name', fallbackName);
  const description = o.description === undefined ? '' : stringOption(o.description, 'description');
  const seed = numberOption(o.seed, 'seed', 1, { integer: true, max: 2 ** 32 - 1 });
  const durationMs = numberOption(o.durationMs, 'durationMs', 5_000, { min: 1 });
  const warmupMs = numberOption(o.warmupMs, 'warmupMs', 500);
  if (o.load === undefined) throw new ConfigError('load', undefined, 'an object with at least a rate (arrivals per second)');
  const load = parseLoad(o.load);
  const client = parseClient(o.client);
  const strategies = o.strategies === undefined ? undefined : stringList(o.strategies, 'strategies');
  if (!Array.isArray(o.backends) || o.backends.length === 0) throw new ConfigError('backends', o.backends, 'a non-empty array of backends');
  const backends: BackendSpec[] = [];
  o.backends.forEach((b, i) => backends.push(...parseBackend(b, `backends[${i}]`, i)));
  const names = new Set<string>();
  backends.forEach((b, i) => {
    if (names.has(b.name)) throw new ConfigError(`backends[${i}].name`, b.name, 'a name no other backend has');
    names.add(b.name);
  });
  if (!backends.some((b) => b.joinAt === 0)) throw new ConfigError('backends', o.backends, 'at least one backend with joinAt 0');
  const targets = o.targets === undefined ? (['loopback', 'simulator'] as const) : stringList(o.targets, 'targets');
  targets.forEach((t, i) => {
    if (t !== 'loopback' && t !== 'simulator') throw new ConfigError(`targets[${i}]`, t, 'loopback or simulator');
  });
  return { name, description, seed, durationMs, warmupMs, load, client, strategies, backends, targets: targets as readonly Target[] };
}

/**
 * Reads and validates a scenario file.
 * @throws ConfigError naming the field; its message is prefixed with the file path
 */
export async function loadScenarioFile(path: string): Promise<Scenario> {
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
  try {
    return parseScenario(json, basename(path).replace(/\.json$/, ''));
  } catch (error) {
    if (error instanceof ConfigError) error.message = `${path}: ${error.message}`;
    throw error;
  }
}

/** Applies command-line overrides (duration, warm-up, strategies, seed). */
export function withOverrides(scenario: Scenario, overrides: ScenarioOverrides): Scenario {
  return {
    ...scenario,
    durationMs: overrides.durationMs ?? scenario.durationMs,
    warmupMs: overrides.warmupMs ?? scenario.warmupMs,
    strategies: overrides.strategies ?? scenario.strategies,
    seed: overrides.seed ?? scenario.seed,
  };
}

/** The offered rate (arrivals per second) at `t` ms into the measured window (the start rate during warm-up). */
export function rateAt(load: LoadSpec, durationMs: number, t: number): number {
  const f = Math.min(Math.max(t / durationMs, 0), 1);
  return load.rate.from + (load.rate.to - load.rate.from) * f;
}

function parseLoad(value: unknown): LoadSpec {
  const o = readOptions(value, 'load', ['rate', 'arrival', 'timeoutMs'] as const);
  let rate: LoadSpec['rate'];
  if (typeof o.rate === 'number' || o.rate === undefined) {
    const r = requiredNumber(o.rate, 'load.rate', { min: 0.001 });
    rate = { from: r, to: r };
  } else {
    const ro = readOptions(o.rate, 'load.rate', ['from', 'to'] as const);
    rate = {
      from: requiredNumber(ro.from, 'load.rate.from', { min: 0.001 }),
      to: requiredNumber(ro.to, 'load.rate.to', { min: 0.001 }),
    };
  }
  const arrival = o.arrival ?? 'poisson';
  if (arrival !== 'poisson' && arrival !== 'constant') throw new ConfigError('load.arrival', arrival, 'poisson or constant');
  const timeoutMs = numberOption(o.timeoutMs, 'load.timeoutMs', 1_000, { min: 1 });
  return { rate, arrival, timeoutMs };
}

function parseClient(value: unknown): Readonly<Record<string, unknown>> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw new ConfigError('client', value, 'an object of createClient options');
  for (const key of Object.keys(value)) {
    if (BENCH_OWNED_CLIENT_KEYS.includes(key)) throw new ConfigError(`client.${key}`, value[key], 'nothing: the bench sets it for every run');
  }
  try {
    parseClientOptions({ ...value, service: 'bench', endpoints: ['http://127.0.0.1:1'] });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const expected = /\(expected (.*)\)$/s.exec(error.message)?.[1] ?? 'a valid createClient option';
    throw new ConfigError(`client.${error.option}`, error.value, expected);
  }
  return Object.freeze({ ...value });
}

function parseBackend(value: unknown, option: string, index: number): BackendSpec[] {
  const o = readOptions(value, option, BACKEND_KEYS);
  const count = numberOption(o.count, `${option}.count`, 1, { min: 1, integer: true });
  const baseName = o.name === undefined ? `b${index}` : stringOption(o.name, `${option}.name`);
  if (o.latency === undefined) throw new ConfigError(`${option}.latency`, undefined, 'a latency distribution (required)');
  const latency = parseLatency(o.latency, `${option}.latency`);
  const capacity = o.capacity === null ? Infinity : numberOption(o.capacity, `${option}.capacity`, Infinity, { min: 1, integer: true, allowInfinity: true });
  const errors = o.errors === undefined ? NO_ERRORS : parseErrors(o.errors, `${option}.errors`);
  if (o.phases !== undefined && !Array.isArray(o.phases)) throw new ConfigError(`${option}.phases`, o.phases, 'an array of phases');
  const phases = ((o.phases ?? []) as unknown[]).map((p, i) => parsePhase(p, `${option}.phases[${i}]`));
  const joinAt = numberOption(o.joinAt, `${option}.joinAt`, 0, { max: 1 });
  const leaveAt = numberOption(o.leaveAt, `${option}.leaveAt`, 1, { max: 1 });
  if (leaveAt <= joinAt) throw new ConfigError(`${option}.leaveAt`, leaveAt, `a fraction after joinAt (${joinAt})`);
  let coldStart: ColdStartSpec | undefined;
  if (o.coldStart !== undefined) {
    const c = readOptions(o.coldStart, `${option}.coldStart`, ['ms', 'factor'] as const);
    coldStart = {
      ms: requiredNumber(c.ms, `${option}.coldStart.ms`, { min: 1 }),
      factor: requiredNumber(c.factor, `${option}.coldStart.factor`, { min: 1 }),
    };
  }
  const weight = numberOption(o.weight, `${option}.weight`, 1, { min: 0.001 });
  return Array.from({ length: count }, (_, i) => ({
    name: count === 1 ? baseName : `${baseName}-${i}`,
    latency,
    capacity,
    errors,
    phases,
    joinAt,
    leaveAt,
    coldStart,
    weight,
  }));
}

function parsePhase(value: unknown, option: string): PhaseSpec {
  const o = readOptions(value, option, ['start', 'end', 'latency', 'latencyFactor', 'errors'] as const);
  const start = requiredNumber(o.start, `${option}.start`, { max: 1 });
  const end = requiredNumber(o.end, `${option}.end`, { max: 1 });
  if (end <= start) throw new ConfigError(`${option}.end`, end, `a fraction after start (${start})`);
  return {
    start,
    end,
    latency: o.latency === undefined ? undefined : parseLatency(o.latency, `${option}.latency`),
    latencyFactor: numberOption(o.latencyFactor, `${option}.latencyFactor`, 1, { min: 0.001 }),
    errors: o.errors === undefined ? undefined : parseErrors(o.errors, `${option}.errors`),
  };
}

function parseErrors(value: unknown, option: string): ErrorSpec {
  const o = readOptions(value, option, ['status503', 'reset'] as const);
  const status503 = numberOption(o.status503, `${option}.status503`, 0, { max: 1 });
  const reset = numberOption(o.reset, `${option}.reset`, 0, { max: 1 });
  if (status503 + reset > 1) throw new ConfigError(`${option}.reset`, reset, `a share <= ${1 - status503} (status503 + reset <= 1)`);
  return { status503, reset };
}

function stringList(value: unknown, option: string): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new ConfigError(option, value, 'a non-empty array of strings');
  return value.map((v, i) => stringOption(v, `${option}[${i}]`));
}

import type { Meter, MeterProvider } from '@opentelemetry/api';
import type { Middleware } from './core/call.js';
import { systemClock, type Clock } from './core/clock.js';
import { ConfigError } from './core/errors.js';
import { booleanOption, readOptions, stringOption } from './core/options.js';
import { systemRng, type Rng } from './core/rng.js';
import { DEFAULTS } from './defaults.js';
import { parseAlertsOptions, type AlertSettings, type AlertsOptions } from './health/alert-options.js';
import { switchyardMeter } from './metrics/meter.js';
import { parseServiceOptions, SERVICE_KEYS, type ServiceOptions, type ServiceSettings } from './mesh/service-options.js';

export type { TimeoutOptions } from './mesh/timeout-options.js';

/** What every call of a client or mesh shares, whatever its service: clock, RNG, tracing, your middleware. */
export interface RuntimeOptions {
  /** Your own middleware, run once per call inside the logical span (before routing), outermost first. */
  middleware?: readonly Middleware[];
  /** Create OpenTelemetry spans and inject trace context (default true; no-ops without an SDK). */
  tracing?: boolean;
  /**
   * Query parameters whose values `url.full` shows as `REDACTED`, compared case-insensitively
   * (default {@link SENSITIVE_QUERY_PARAMS}; `[]` redacts none). This list replaces the default: to add
   * a name, pass `[...SENSITIVE_QUERY_PARAMS, 'session']`.
   */
  redactQueryParams?: readonly string[];
  /**
   * Where OpenTelemetry metrics go (default: the global provider, `metrics.getMeterProvider()`).
   * The meter is taken once, when the client or mesh is made: register the SDK before that.
   * Without an SDK nothing is recorded and no metrics layer is built.
   */
  meterProvider?: MeterProvider;
  /**
   * Record the HTTP client semantic-convention metrics, `http.client.request.duration` (one
   * record per attempt) and `http.client.active_requests` (default true). Turn off when the
   * OpenTelemetry undici instrumentation already counts these requests.
   */
  httpMetrics?: boolean;
  /** Clock for every layer (default: the system clock). Tests pass a `ManualClock`. */
  clock?: Clock;
  /** Random source for every layer (default: `Math.random`). Tests pass `seededRng(seed)`. */
  rng?: Rng;
}

/** Options of {@link createClient}: one service's options plus the runtime. Defaults are listed in the README and in `DEFAULTS`. */
export interface ClientOptions extends ServiceOptions, RuntimeOptions {
  /** Logical service name; also the host accepted in absolute URLs (`http://payments/...`). */
  service: string;
  /** Alert rules over this service, as in a mesh config's `alerts` (default: none). */
  alerts?: AlertsOptions;
}

/** Validated runtime settings. */
export interface RuntimeSettings {
  readonly middleware: readonly Middleware[];
  readonly tracing: boolean;
  readonly redactQueryParams: readonly string[];
  /** The meter, when a metrics SDK is behind the provider; `undefined` when it is the API's no-op. */
  readonly meter: Meter | undefined;
  readonly httpMetrics: boolean;
  readonly clock: Clock;
  readonly rng: Rng;
}

/** Validated, defaulted client settings. */
export interface ClientSettings {
  readonly service: ServiceSettings;
  readonly runtime: RuntimeSettings;
  readonly alerts: AlertSettings;
}

/** The keys of {@link RuntimeOptions}. */
export const RUNTIME_KEYS = ['middleware', 'tracing', 'redactQueryParams', 'meterProvider', 'httpMetrics', 'clock', 'rng'] as const satisfies readonly (keyof RuntimeOptions)[];

const CLIENT_KEYS = ['service', 'alerts', ...SERVICE_KEYS, ...RUNTIME_KEYS] as const satisfies readonly (keyof ClientOptions)[];

/**
 * Validates `createClient` options. Unknown keys (at any level) are errors; a `__proto__` key is
 * read as data and rejected as unknown, so it can pollute nothing.
 * @throws ConfigError naming the option and the bad value
 */
export function parseClientOptions(options: unknown): ClientSettings {
  const o = readOptions(options, '', CLIENT_KEYS);
  const service = stringOption(o.service, 'service');
  return {
    service: parseServiceOptions(service, o, ''),
    runtime: parseRuntimeOptions(o),
    alerts: parseAlertsOptions(o.alerts, 'alerts', new Set([service.toLowerCase()])),
  };
}

/**
 * Validates the runtime options (read with {@link readOptions} by the caller).
 * @throws ConfigError naming the option and the bad value
 */
export function parseRuntimeOptions(o: Partial<Record<(typeof RUNTIME_KEYS)[number], unknown>>): RuntimeSettings {
  const middleware = o.middleware ?? [];
  if (!Array.isArray(middleware)) throw new ConfigError('middleware', middleware, 'an array of (call, next) => Promise<Reply> functions');
  middleware.forEach((m, i) => {
    if (typeof m !== 'function') throw new ConfigError(`middleware[${i}]`, m, 'a (call, next) => Promise<Reply> function');
  });
  const redactQueryParams = o.redactQueryParams ?? DEFAULTS.redactQueryParams;
  if (!Array.isArray(redactQueryParams)) throw new ConfigError('redactQueryParams', redactQueryParams, 'an array of query parameter names');
  redactQueryParams.forEach((name: unknown, i) => {
    if (typeof name !== 'string' || name === '') throw new ConfigError(`redactQueryParams[${i}]`, name, 'a non-empty string');
  });
  const clock = (o.clock as Clock | undefined) ?? systemClock;
  if (clock === null || typeof clock.now !== 'function' || typeof clock.setTimeout !== 'function') throw new ConfigError('clock', o.clock, 'a Clock');
  const rng = (o.rng as Rng | undefined) ?? systemRng;
  if (rng === null || typeof rng.next !== 'function') throw new ConfigError('rng', o.rng, 'an Rng with next()');
  return {
    middleware: Object.freeze([...(middleware as Middleware[])]),
    tracing: booleanOption(o.tracing, 'tracing', DEFAULTS.tracing),
    redactQueryParams: Object.freeze([...(redactQueryParams as string[])]),
    meter: switchyardMeter(o.meterProvider),
    httpMetrics: booleanOption(o.httpMetrics, 'httpMetrics', DEFAULTS.httpMetrics),
    clock,
    rng,
  };
}

import { BalanceLayer } from './balance/balance-layer.js';
import { BreakerLayer } from './breaker/breaker-layer.js';
import { Bulkhead } from './bulkhead/bulkhead.js';
import { fallbackLayer } from './fallback/fallback-layer.js';
import { Hedger } from './hedge/hedger.js';
import { limiterLayer } from './limit/limiter-layer.js';
import { pickLogLayer } from './retry/pick-log.js';
import { RetryLayer } from './retry/retry-layer.js';
import { compose, IDEMPOTENT_METHODS, type Call, type Handler, type HeaderMap, type Middleware, type Reply, type ReplyBody, type RequestBody } from './core/call.js';
import { ClientClosedError, InvalidRequestError } from './core/errors.js';
import { EventBus, type ClientEventListener, type ClientEventName } from './core/events.js';
import { parseClientOptions, type ClientOptions, type ClientSettings } from './client-options.js';
import { noRetrySettings } from './retry/retry-options.js';
import { DEFAULTS } from './defaults.js';
import type { EndpointHealth } from './fleet/endpoint-state.js';
import { Fleet } from './fleet/fleet.js';
import { fromFetchArgs, type CallOptions, type FetchInit } from './http/fetch-request.js';
import { toResponse } from './http/fetch-response.js';
import { normalizeHeaders, type HeadersInput } from './http/headers.js';
import { attemptSpanLayer, logicalSpanLayer, switchyardTracer } from './telemetry/tracing.js';
import { Transport } from './transport/transport.js';
import { VERSION } from './version.js';

/** Options of {@link Client.request}, undici's `request` options plus {@link CallOptions}. */
export interface RequestOptions extends CallOptions {
  /** Path and query, starting with `/`. */
  path: string;
  /** HTTP method (default `GET`). */
  method?: string;
  /** Request headers. */
  headers?: HeadersInput;
  /** Request body: string or bytes (replayable) or a Node stream (sent once). */
  body?: RequestBody;
  /** Aborts the call. */
  signal?: AbortSignal;
}

/** What {@link Client.request} resolves to: undici's response shape plus the endpoint that served it. */
export interface ResponseData {
  /** HTTP status code. */
  statusCode: number;
  /** Response headers, names lower-cased. */
  headers: Record<string, string | string[] | undefined>;
  /** The body; read it (`text()`, `json()`, iterate) or `dump()` it so the socket is reused. */
  body: ReplyBody;
  /** Id of the endpoint that produced the response. */
  endpoint: string | undefined;
}

/** One endpoint in {@link Client.stats}. */
export interface EndpointStats {
  id: string;
  url: string;
  weight: number;
  zone: string | undefined;
  /** `healthy`, `ejected` (breaker open) or `probing` (half-open). */
  state: EndpointHealth;
  inFlight: number;
  /** Peak-EWMA latency estimate in ms (0 before the first response). */
  ewmaMs: number;
  requests: number;
  failures: number;
}

/** A client for one service: see {@link createClient}. */
export interface Client {
  /** The service name. */
  readonly service: string;
  /** Sends a request like the global `fetch` and resolves to a WHATWG `Response`. */
  fetch(input: string | URL | Request, init?: FetchInit): Promise<Response>;
  /** Sends a request with undici-style options; the fastest path. */
  request(options: RequestOptions): Promise<ResponseData>;
  /** A snapshot of every endpoint's state. */
  stats(): EndpointStats[];
  /** Listens to a lifecycle event; returns a function that removes the listener. */
  on<K extends ClientEventName>(event: K, listener: ClientEventListener<K>): () => void;
  /** Removes a listener added with {@link Client.on}. */
  off<K extends ClientEventName>(event: K, listener: ClientEventListener<K>): void;
  /** Closes pools, breakers, discovery watches and timers. Calls made afterwards reject. */
  close(): Promise<void>;
}

const NO_ENDPOINTS_TRIED: ReadonlySet<string> = new Set();
const NO_META: Readonly<Record<string, unknown>> = Object.freeze({});
const NO_HEADERS: HeaderMap = Object.freeze(Object.create(null) as HeaderMap);

const toResponseData = (reply: Reply): ResponseData => ({ statusCode: reply.status, headers: reply.headers, body: reply.body, endpoint: reply.endpoint?.id });

/**
 * Creates a client for one service: every call goes through discovery, a load-balancer pick,
 * per-endpoint state and the undici transport, inside an OpenTelemetry span.
 *
 * @example
 * const payments = createClient({ service: 'payments', endpoints: ['http://127.0.0.1:8081'] });
 * const res = await payments.fetch('/v1/charges', { method: 'POST', body });
 * await payments.close();
 *
 * @throws ConfigError naming the option and the bad value
 */
export function createClient(options: ClientOptions): Client {
  return new SwitchyardClient(parseClientOptions(options));
}

class SwitchyardClient implements Client {
  readonly service: string;
  readonly #settings: ClientSettings;
  readonly #events = new EventBus();
  readonly #fleet: Fleet;
  readonly #balance: BalanceLayer;
  readonly #breaker: BreakerLayer | undefined;
  readonly #transport: Transport;
  readonly #handler: Handler;
  readonly #stopDiscovery: () => void;
  #closed: Promise<void> | undefined;

  constructor(settings: ClientSettings) {
    this.#settings = settings;
    const { service, clock, rng, discovery, balancer } = settings;
    this.service = service;
    this.#fleet = new Fleet({ service, clock, events: this.#events, ewmaTauMs: DEFAULTS.ewmaTauMs });
    const events = this.#events;
    this.#breaker = settings.breaker ? new BreakerLayer(settings.breaker, { service, clock, rng, events, fleet: this.#fleet }) : undefined;
    this.#balance = new BalanceLayer({ service, fleet: this.#fleet, balancer, clock, rng, panic: this.#breaker?.panicPick });
    this.#transport = new Transport({
      ...settings.transport,
      service,
      clock,
      fleet: this.#fleet,
      attemptTimeout: settings.attemptTimeout,
      totalTimeout: settings.totalTimeout,
    });
    this.#stopDiscovery = discovery.subscribe({
      update: (endpoints) => this.#fleet.update(endpoints),
      error: (error) => this.#events.emit('discovery-error', { service, time: clock.now(), error }),
    });

    // The order of the layers, outermost first (shared/DESIGN.md section 1). Each position has a reason:
    const tracer = switchyardTracer(VERSION);
    const layers: Middleware[] = [];
    // The logical span wraps everything, so retries and hedges show as its children.
    if (settings.tracing) layers.push(logicalSpanLayer(tracer));
    // User middleware sees each logical call once, inside the span (auth headers, logging).
    layers.push(...settings.middleware);
    // Fallback wraps bulkhead, retry and all below, so any way the pipeline gives up can still get a reply.
    if (settings.fallback) layers.push(fallbackLayer(settings.fallback));
    // The bulkhead caps logical calls, above retry, so a call holds one slot for all its attempts.
    if (settings.bulkhead) layers.push(new Bulkhead(settings.bulkhead, { clock, totalTimeout: settings.totalTimeout }).middleware);
    // Retry (and hedging) is above balance so every attempt picks again (Finagle puts Retries above its balancer).
    const retrying = Boolean(settings.retry || settings.hedge);
    if (retrying) {
      const retry = settings.retry || noRetrySettings();
      const hedger = settings.hedge
        ? new Hedger(settings.hedge, { service, clock, events, isFailure: (reply) => retry.statuses.has(reply.status), minAttemptTime: retry.minAttemptTime })
        : undefined;
      layers.push(new RetryLayer(retry, { service, clock, rng, events, hedger }).middleware);
    }
    // The limiter is below retry and above balance: every attempt sent, retries and hedges included, takes a token.
    if (settings.limiter) layers.push(limiterLayer(settings.limiter, { service, clock, events }));
    // Balance picks one endpoint per attempt and tracks its load; everything below is per endpoint.
    layers.push(this.#balance.middleware);
    // Just below the pick, the pick log tells retries and hedges which endpoint each attempt went to.
    if (retrying) layers.push(pickLogLayer);
    // The breaker is per endpoint, so it sits below the pick; what it ejects, the balancer no longer picks.
    if (this.#breaker) layers.push(this.#breaker.middleware);
    // One client span per attempt, as the HTTP semantic conventions ask (http.request.resend_count).
    if (settings.tracing) layers.push(attemptSpanLayer(tracer));
    this.#handler = compose(...layers)(this.#transport.handler);
  }

  async fetch(input: string | URL | Request, init?: FetchInit): Promise<Response> {
    this.#assertOpen();
    const parts = await fromFetchArgs(input, init, this.service);
    const reply = await this.#send(parts.method, parts.path, parts.headers, parts.body, parts.signal, init);
    return toResponse(reply.status, reply.headers, reply.body, { method: parts.method, signal: parts.signal, url: `http://${this.service}${parts.path}`, redirected: false });
  }

  request(options: RequestOptions): Promise<ResponseData> {
    // Not async: one promise less per call. What throws here is returned as a rejection.
    try {
      this.#assertOpen();
      if (options === null || typeof options !== 'object' || typeof options.path !== 'string') {
        throw new InvalidRequestError('request() needs an options object with a string path');
      }
      const method = options.method === undefined ? 'GET' : options.method.toUpperCase();
      const path = options.path.startsWith('/') ? options.path : `/${options.path}`;
      const headers = options.headers === undefined ? NO_HEADERS : normalizeHeaders(options.headers);
      return this.#send(method, path, headers, options.body ?? null, options.signal, options).then(toResponseData);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  stats(): EndpointStats[] {
    return this.#fleet.snapshot.members.map((s) => ({
      id: s.id,
      url: s.endpoint.url,
      weight: s.endpoint.weight,
      zone: s.endpoint.zone,
      state: s.health,
      inFlight: s.inFlight,
      ewmaMs: s.ewmaMs,
      requests: s.requests,
      failures: s.failures,
    }));
  }

  on<K extends ClientEventName>(event: K, listener: ClientEventListener<K>): () => void {
    return this.#events.on(event, listener);
  }

  off<K extends ClientEventName>(event: K, listener: ClientEventListener<K>): void {
    this.#events.off(event, listener);
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#stopDiscovery();
      this.#balance.close();
      await Promise.all([this.#settings.discovery.close(), this.#transport.close()]);
      this.#fleet.close();
      this.#breaker?.close();
      this.#events.clear();
    })();
    return this.#closed;
  }

  /** Sends one logical call down the pipeline; waits for discovery's first answer if no endpoint is known yet. */
  #send(method: string, path: string, headers: HeaderMap, body: RequestBody, signal: AbortSignal | undefined, options: CallOptions | undefined): Promise<Reply> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#fleet.snapshot.members.length === 0) {
      return this.#settings.discovery.ready().then(() => this.#handler(this.#call(method, path, headers, body, signal, options)));
    }
    return this.#handler(this.#call(method, path, headers, body, signal, options));
  }

  #call(method: string, path: string, headers: HeaderMap, body: RequestBody, signal: AbortSignal | undefined, options: CallOptions | undefined): Call {
    const { clock, hashHeader, service, totalTimeout } = this.#settings;
    return {
      service,
      method,
      path,
      headers,
      body,
      signal,
      deadline: clock.now() + totalTimeout,
      attempt: 0,
      tried: NO_ENDPOINTS_TRIED,
      endpoint: undefined,
      key: options?.key ?? (hashHeader === undefined ? undefined : headers[hashHeader]),
      idempotent: options?.idempotent ?? (IDEMPOTENT_METHODS.has(method) || headers['idempotency-key'] !== undefined),
      meta: options?.meta ?? NO_META,
    };
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClientClosedError(this.service);
  }
}

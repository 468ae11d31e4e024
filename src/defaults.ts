import { SENSITIVE_QUERY_PARAMS } from './telemetry/redact-url.js';

/**
 * Every default, in one place (docs/architecture.md, section 7). The README's option reference quotes
 * these values.
 */
export const DEFAULTS = Object.freeze({
  /** Balancer used when `balancer` is not given. */
  balancer: 'round-robin',
  /** Time allowed for one attempt to connect and receive response headers (ms). */
  attemptTimeoutMs: 10_000,
  /** Time allowed for the whole call, all attempts and waits included, up to the end of the body (ms). */
  totalTimeoutMs: 30_000,
  /** Time a closing connection pool gives requests in flight and unread bodies before destroying them (ms). */
  closeGraceMs: 5_000,
  /** Time constant of the per-endpoint latency EWMA (ms); Finagle's peak-EWMA default. */
  ewmaTauMs: 10_000,
  /**
   * Age (ms) of its last sample past which a latency estimate is stale: load-aware balancers then
   * treat the endpoint as one without history, so a recovered endpoint is probed and regains its share.
   */
  ewmaStaleMs: 2_000,
  /**
   * What a failed attempt counts as in the latency estimate: at least `factor` × the endpoint's
   * estimate and at least `floorMs`, however fast it failed (a refused connect takes under 1 ms).
   */
  failurePenalty: Object.freeze({ factor: 2, floorMs: 100 }),
  /** Whether OpenTelemetry spans are created (they are no-ops until an SDK is registered). */
  tracing: true,
  /** Query parameters whose values `url.full` redacts (case-insensitive). */
  redactQueryParams: SENSITIVE_QUERY_PARAMS,
  /** Whether the HTTP client semantic-convention metrics are recorded (no-ops until a metrics SDK is registered). */
  httpMetrics: true,
  /** Alert rules: how often they are evaluated (ms), the rolling window (ms) and the fewest calls in it a call-based rule judges. */
  alerts: Object.freeze({ intervalMs: 1_000, windowMs: 60_000, minCalls: 10 }),
  /**
   * How long (ms) load-aware balancers steer away from an endpoint that answered 429 or 503
   * without a `Retry-After` header.
   */
  loadPenaltyMs: 1_000,
  /** Cap (ms) on the back-off a `Retry-After` header can ask of load-aware balancers. */
  loadPenaltyMaxMs: 30_000,
  /** Per-endpoint circuit breakers (`breaker` option; on unless `false`). */
  breaker: Object.freeze({
    /** Consecutive failures that open a breaker at once (Envoy's `consecutive_5xx`). */
    consecutive5xx: 5,
    /** Consecutive gateway failures (502/503/504, connect failures, timeouts) that open it (Envoy's `consecutive_gateway_failure`). */
    consecutiveGatewayFailure: 5,
    /** Failure percentage in the rolling window above which a breaker opens (opossum's default). */
    errorThresholdPercentage: 50,
    /** Time an open breaker waits before admitting a probe (ms). */
    resetTimeout: 10_000,
    /** Attempts in the window before a breaker may open. */
    volumeThreshold: 10,
    /** Rolling window length (ms) and its buckets (opossum's defaults). */
    rollingCountTimeout: 10_000,
    rollingCountBuckets: 10,
    /** Probes a half-open breaker admits at once. */
    halfOpenProbes: 1,
    /** Largest share of the fleet ejected at once (%), as Envoy's max-ejection-percent. */
    maxEjectionPercent: 50,
    /** Pick among all endpoints when every one is ejected. */
    panic: true,
  }),
  /** Retries (`retry` option; on unless `false`). */
  retry: Object.freeze({
    /** Retries after the first attempt. */
    retries: 2,
    /** Reply statuses that are retried. */
    statuses: Object.freeze([429, 502, 503, 504]),
    /** Full-jitter exponential backoff (ms): Envoy's 25 ms base and 10x cap. */
    backoff: Object.freeze({ initial: 25, max: 250, multiplier: 2 }),
    /** Longest `Retry-After` honoured (ms); a longer one is not retried. */
    maxRetryAfter: 10_000,
    /** Time that must remain before the deadline, after the wait, to start a retry (ms). */
    minAttemptTime: 10,
    /** Retry budget: Finagle's 20 % of requests plus 10 per second, over 10 s. */
    budget: Object.freeze({ ratio: 0.2, minPerSecond: 10, windowMs: 10_000 }),
  }),
  /** Hedged requests (`hedge` option; off unless given). */
  hedge: Object.freeze({
    /** Fixed hedge delay (ms), also used until enough latency samples are known. */
    delay: 50,
    /** Latency samples needed before a percentile delay is used. */
    minSamples: 100,
    /** Hedge budget: 5 % extra requests, no floor, over 10 s. */
    budget: Object.freeze({ ratio: 0.05, minPerSecond: 0, windowMs: 10_000 }),
  }),
  /** Client-side token bucket (`limiter` option; off unless given; `burst` defaults to `rate`). */
  limiter: Object.freeze({
    /** Longest wait for a token (ms) before `RateLimitedError`. */
    maxWait: 0,
  }),
  /**
   * Adaptive concurrency limits (`concurrencyLimit` option; off unless given). Netflix
   * concurrency-limits' values, except the floor: 1, not 20, since a client may call a service
   * that saturates below 20 concurrent requests.
   */
  concurrencyLimit: Object.freeze({
    initialLimit: 20,
    minLimit: 1,
    maxLimit: 200,
    aimd: Object.freeze({ backoffRatio: 0.9, timeoutMs: 5_000 }),
    vegas: Object.freeze({ smoothing: 1, probeMultiplier: 30 }),
    gradient2: Object.freeze({ smoothing: 0.2, queueSize: 4, longWindow: 600 }),
  }),
  /** Client-side adaptive throttling (`throttle` option; off unless given): the SRE book's K and two-minute window. */
  throttle: Object.freeze({ k: 2, windowMs: 120_000 }),
  /** A quota shared across processes (`sharedQuota()`): report interval, report timeout, how long a share is kept without a report, burst. */
  sharedQuota: Object.freeze({ intervalMs: 1_000, timeoutMs: 250, staleAfterMs: 3_000, burstMs: 100 }),
  /** Concurrency cap (`bulkhead` option; off unless given). */
  bulkhead: Object.freeze({
    /** Calls in flight at once. */
    maxConcurrent: 100,
    /** Calls waiting for a slot. */
    maxQueue: 0,
  }),
  /** Discovery providers built on `createDiscovery`. */
  discovery: Object.freeze({
    /** Equal-jitter exponential backoff (ms) between failed refreshes or watch sessions. */
    backoff: Object.freeze({ initialMs: 500, maxMs: 30_000 }),
    /** Time allowed for one poll of a polled registry (ms). */
    pollTimeoutMs: 5_000,
    /** A polled registry's refresh interval when its answer has no TTL, and the clamps on a TTL (ms). */
    refreshMs: 30_000,
    minRefreshMs: 1_000,
    maxRefreshMs: 300_000,
  }),
  /** `consulDiscovery` and `consulConfig` (switchyard/consul). */
  consul: Object.freeze({
    /** How long one blocking query waits for a change (ms). */
    waitMs: 60_000,
    /** Least time between the starts of two blocking queries (ms). */
    minIntervalMs: 250,
  }),
} as const);

export { createClient } from './client.js';
export type { Client, RequestOptions, ResponseData } from './client.js';
export type { ClientOptions, RuntimeOptions, TimeoutOptions } from './client-options.js';
export { createMesh } from './mesh/mesh.js';
export type { ActiveConfig, Mesh, MeshOptions } from './mesh/mesh.js';
export type { MeshConfig } from './mesh/mesh-config.js';
export type { ServiceOptions, SubsetOptions } from './mesh/service-options.js';
export type { HeaderMatchOptions, PathMatchOptions, RouteMatchOptions, RouteOptions, SplitOptions } from './mesh/route-options.js';
export type { EndpointStats, MeshStats, ServiceStats } from './mesh/stats.js';
export type { HealthReason, HealthStatus, MeshHealth, ServiceHealth } from './health/health.js';
export type { AlertMetric, AlertRuleOptions, AlertSeverity, AlertsOptions } from './health/alert-options.js';
export { HTTP_DURATION_BUCKETS } from './metrics/http-client-metrics.js';
export type { MeshDispatcherOptions } from './dispatcher/mesh-dispatcher.js';
export { REPLAYABLE_BODY_LIMIT } from './dispatcher/request-body.js';
export type { ConfigListener, ConfigSource } from './mesh/config-source.js';
export { fileConfig } from './mesh/file-config.js';
export type { FileConfigOptions } from './mesh/file-config.js';
export type { ConfigFormat } from './mesh/config-text.js';
export { compose, createCall, IDEMPOTENT_METHODS } from './core/call.js';
export type { AttemptListener, Call, CallTimeout, Handler, HeaderMap, Middleware, Reply, ReplyBody, RequestBody } from './core/call.js';
export { ManualClock, systemClock } from './core/clock.js';
export type { Clock, TimerHandle } from './core/clock.js';
export { seededRng, systemRng } from './core/rng.js';
export type { Rng } from './core/rng.js';
export {
  BulkheadFullError,
  CircuitOpenError,
  ClientClosedError,
  ConcurrencyLimitedError,
  ConfigError,
  DiscoveryError,
  InvalidRequestError,
  NoEndpointsError,
  RateLimitedError,
  RedirectOutsideServiceError,
  RetryBudgetExhaustedError,
  SwitchyardError,
  ThrottledError,
  TimeoutError,
  UnreplayableBodyError,
} from './core/errors.js';
export type { ErrorCode } from './core/errors.js';
export type { AlertEvent, ClientEventListener, ClientEventName, ClientEvents, ConfigEvent, EndpointEvent, EventBase } from './core/events.js';
export { DEFAULTS } from './defaults.js';
export { SENSITIVE_QUERY_PARAMS } from './telemetry/redact-url.js';
export type { Discovery, DiscoveryListener, DiscoveryStatus } from './discovery/discovery.js';
export { createDiscovery } from './discovery/managed-discovery.js';
export type { DiscoveryBaseOptions, DiscoverySession, ManagedDiscovery } from './discovery/managed-discovery.js';
export { pollingDiscovery } from './discovery/polling-discovery.js';
export type { PollingDiscoveryOptions, PollResult } from './discovery/polling-discovery.js';
export { staticDiscovery } from './discovery/static.js';
export type { StaticDiscovery } from './discovery/static.js';
export type { Endpoint, EndpointInput } from './fleet/endpoint.js';
export type { EndpointHealth, EndpointState } from './fleet/endpoint-state.js';
export type { FleetSnapshot } from './fleet/fleet.js';
export type { EndpointColumns } from './fleet/endpoint-table.js';
export type { Balancer, BalancerContext, Picker } from './balance/balancer.js';
export { BALANCER_NAMES } from './balance/registry.js';
export type { BalancerName } from './balance/registry.js';
export { roundRobin } from './balance/round-robin.js';
export { random } from './balance/random.js';
export { weightedRoundRobin } from './balance/weighted-round-robin.js';
export { leastRequest } from './balance/least-request.js';
export { p2c } from './balance/p2c.js';
export { peakEwma } from './balance/p2c-peak-ewma.js';
export { leastResponseTime } from './balance/least-response-time.js';
export { ringHash } from './balance/ring-hash.js';
export type { RingHashOptions } from './balance/ring-hash.js';
export { maglev } from './balance/maglev.js';
export type { MaglevOptions } from './balance/maglev.js';
export type { ScanningBalancerOptions, WeightedBalancerOptions } from './balance/balancer-options.js';
export type { SlowStartOptions } from './fleet/slow-start.js';
export type { CallOptions, FetchInit } from './http/fetch-request.js';
export type { HeadersInput } from './http/headers.js';
export type { TransportOptions } from './transport/transport.js';
export type { BreakerOptions } from './breaker/breaker-options.js';
export type { BackoffOptions, RetryBudgetOptions, RetryOptions } from './retry/retry-options.js';
export { RetryBudget } from './retry/retry-budget.js';
export { parseRetryAfter } from './retry/retry-after.js';
export { isRetryableError } from './retry/retryable.js';
export type { HedgeOptions } from './hedge/hedge-options.js';
export type { LimiterOptions, LocalLimiterOptions, SourceLimiterOptions } from './limit/limiter-options.js';
export { TokenBucket } from './limit/token-bucket.js';
export type { TokenSource } from './limit/token-source.js';
export { SharedQuota, sharedQuota } from './limit/shared-quota.js';
export type { SharedQuotaOptions, SharedQuotaState, SharedQuotaStats } from './limit/shared-quota.js';
export type { DemandReport, QuotaGrant, QuotaStore } from './limit/quota-store.js';
export { memoryQuotaStore } from './limit/memory-quota-store.js';
export { BottleneckLease, bottleneckLease } from './limit/bottleneck-lease.js';
export type { BottleneckLeaseOptions, BottleneckLeaseStats, BottleneckScheduler } from './limit/bottleneck-lease.js';
export type { ConcurrencyLimit, ConcurrencyLimitAlgorithm, LimitSample } from './limit/concurrency-limit.js';
export type {
  AimdLimitOptions,
  ConcurrencyLimitOptions,
  FixedLimitOptions,
  Gradient2LimitOptions,
  LimitBoundsOptions,
  VegasLimitOptions,
} from './limit/concurrency-options.js';
export { AdaptiveThrottle } from './limit/adaptive-throttle.js';
export type { AdaptiveThrottleSettings } from './limit/adaptive-throttle.js';
export type { ThrottleOptions } from './limit/throttle-options.js';
export type { BulkheadOptions } from './bulkhead/bulkhead-options.js';
export type { FallbackContext, FallbackOptions, FallbackReply } from './fallback/fallback-options.js';
export { VERSION } from './version.js';

import type { Tracer } from '@opentelemetry/api';
import type { BalanceLayer } from '../balance/balance-layer.js';
import { Bulkhead } from '../bulkhead/bulkhead.js';
import type { BulkheadSettings } from '../bulkhead/bulkhead-options.js';
import { compose, type Handler, type Middleware } from '../core/call.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import type { Rng } from '../core/rng.js';
import { fallbackLayer } from '../fallback/fallback-layer.js';
import type { FallbackSettings } from '../fallback/fallback-options.js';
import type { HedgeSettings } from '../hedge/hedge-options.js';
import { Hedger } from '../hedge/hedger.js';
import type { AdaptiveThrottleSettings } from '../limit/adaptive-throttle.js';
import { concurrencyLimitLayer } from '../limit/concurrency-layer.js';
import type { ConcurrencyLimitSettings } from '../limit/concurrency-options.js';
import { limiterLayer } from '../limit/limiter-layer.js';
import { throttleLayer } from '../limit/throttle-layer.js';
import type { LimiterSettings } from '../limit/limiter-options.js';
import { RetryLayer } from '../retry/retry-layer.js';
import { noRetrySettings, type RetrySettings } from '../retry/retry-options.js';
import { attemptSpanLayer, logicalSpanLayer } from '../telemetry/tracing.js';
import type { PathRedactor } from '../telemetry/redact-url.js';
import type { Transport } from '../transport/transport.js';
import type { AttemptSeam } from './attempt-seam.js';
import type { Fingerprints } from './fingerprint.js';

/*
 * The order of the layers, outermost first, in one place. A call passes, in this order:
 *
 *   call layers     logical span, your middleware                      once per logical call
 *   router          first matching route, weighted split to a subset   once per logical call
 *   route stack     fallback, bulkhead, retry (+ hedging), throttle,   per route
 *                   limiter, concurrency limit
 *   cluster         balance, completion seam (the call's listener,     per attempt, shared per service
 *                   breaker admission, load, outcome), attempt span, transport
 *
 * Each position has a reason, written beside it below.
 */

/** The layers every logical call passes before routing. */
export function callLayers(tracer: Tracer | undefined, middleware: readonly Middleware[]): Middleware[] {
  const layers: Middleware[] = [];
  // The logical span wraps everything, so retries and hedges show as its children.
  if (tracer) layers.push(logicalSpanLayer(tracer));
  // User middleware sees each logical call once, inside the span and before the router, so a
  // header it adds (auth, a tenant) can be routed on, as Envoy's HTTP filters run before its router.
  layers.push(...middleware);
  return layers;
}

/** The policy of a route's calls: the service's, with the route's overrides. */
export interface RoutePolicy {
  readonly retry: RetrySettings | false;
  readonly hedge: HedgeSettings | false;
  readonly limiter: LimiterSettings | false;
  readonly throttle: AdaptiveThrottleSettings | false;
  readonly concurrencyLimit: ConcurrencyLimitSettings | false;
  readonly bulkhead: BulkheadSettings | false;
  readonly fallback: FallbackSettings | false;
}

/** Where a route stack takes the state it shares with routes and generations configured the same (a cluster lease). */
export interface SharedState {
  /** The value under `key`, made by `create` on first use and held until the lease is released. */
  shared<T>(key: string, create: () => { value: T; close?: () => void }): T;
}

/** What a route stack needs from its mesh. */
export interface RouteStackDeps {
  readonly service: string;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly events: EventBus;
  readonly fingerprints: Fingerprints;
}

/**
 * The route stack over `target` (a cluster's attempt handler). Its stateful parts (retry and
 * hedge budgets, the hedge delay's latency window, the token bucket, the bulkhead) are taken from
 * the cluster through `lease`, keyed by their settings: routes and later generations configured
 * the same share one, so a config reload neither resets a budget nor doubles a quota.
 */
export function routeStack(policy: RoutePolicy, lease: SharedState, deps: RouteStackDeps, target: Handler): Handler {
  const { service, clock, rng, events, fingerprints } = deps;
  const layers: Middleware[] = [];
  // Fallback wraps bulkhead, retry and all below, so any way the pipeline gives up can still get a reply.
  if (policy.fallback) layers.push(fallbackLayer(policy.fallback));
  // The bulkhead caps logical calls, above retry, so a call holds one slot for all its attempts.
  const bulkhead = policy.bulkhead;
  if (bulkhead) layers.push(lease.shared(`bulkhead:${fingerprints.of(bulkhead)}`, () => ({ value: new Bulkhead(bulkhead, { clock }).middleware })));
  // Retry (and hedging) is above balance so every attempt picks again (Finagle puts Retries above its balancer).
  const { retry: retryIn, hedge } = policy;
  if (retryIn || hedge) {
    const retry = retryIn || noRetrySettings();
    layers.push(
      lease.shared(`retry:${fingerprints.of(retry)}:${fingerprints.of(hedge)}`, () => {
        const hedger = hedge
          ? new Hedger(hedge, { service, clock, events, isFailure: (reply) => retry.statuses.has(reply.status), minAttemptTime: retry.minAttemptTime })
          : undefined;
        return { value: new RetryLayer(retry, { service, clock, rng, events, hedger }).middleware };
      }),
    );
  }
  // Throttling is below retry so every attempt counts as a request, and above the limiter and the
  // concurrency limit: its local rejections are the cheapest and spend no token and no slot.
  const throttle = policy.throttle;
  if (throttle) layers.push(lease.shared(`throttle:${fingerprints.of(throttle)}`, () => ({ value: throttleLayer(throttle, { service, clock, rng, events }) })));
  // The limiter is below retry and above balance: every attempt sent, retries and hedges included, takes a token.
  const limiter = policy.limiter;
  if (limiter) layers.push(lease.shared(`limiter:${fingerprints.of(limiter)}`, () => ({ value: limiterLayer(limiter, { service, clock, events }) })));
  // The concurrency limit is the last gate before the pick, so its RTT sample is the attempt's own
  // time at the service (no token wait in it) and it counts every attempt in flight, hedges included.
  const concurrency = policy.concurrencyLimit;
  if (concurrency) {
    layers.push(lease.shared(`concurrency:${fingerprints.of(concurrency.identity)}`, () => ({ value: concurrencyLimitLayer(concurrency.create(rng), { service, clock, events }) })));
  }
  return layers.length === 0 ? target : compose(...layers)(target);
}

/** The parts of a cluster its attempt handler is made of. */
export interface ClusterParts {
  readonly balance: BalanceLayer;
  readonly seam: AttemptSeam;
  readonly tracer: Tracer | undefined;
  readonly redactPath: PathRedactor;
  readonly transport: Transport;
}

/** A cluster's attempt handler: one attempt, from the pick to the wire. */
export function clusterHandler({ balance, seam, tracer, redactPath, transport }: ClusterParts): Handler {
  // Balance picks one endpoint per attempt and tracks its load; everything below is per endpoint.
  const layers: Middleware[] = [balance.middleware];
  // The completion seam is per endpoint, so it sits below the pick: it tells the call's listener
  // (retries and hedges) where the attempt went, admits it through
  // the endpoint's breaker (what that ejects, the balancer no longer picks), and classifies the
  // attempt's end once for the load tracker, the breaker and metrics.
  layers.push(seam.middleware);
  // One client span per attempt, as the HTTP semantic conventions ask (http.request.resend_count).
  if (tracer) layers.push(attemptSpanLayer(tracer, redactPath));
  return compose(...layers)(transport.handler);
}

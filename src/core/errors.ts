/**
 * Typed errors. Every error switchyard raises is a {@link SwitchyardError} with a stable `code`
 * that callers can switch on; transport failures are passed through as `cause`.
 */

import { withoutCredentials } from '../telemetry/redact-url.js';

/** Stable error codes; part of the public contract. */
export type ErrorCode =
  | 'SWITCHYARD_CONFIG'
  | 'SWITCHYARD_NO_ENDPOINTS'
  | 'SWITCHYARD_CIRCUIT_OPEN'
  | 'SWITCHYARD_RATE_LIMITED'
  | 'SWITCHYARD_CONCURRENCY_LIMITED'
  | 'SWITCHYARD_THROTTLED'
  | 'SWITCHYARD_RETRY_BUDGET_EXHAUSTED'
  | 'SWITCHYARD_TIMEOUT'
  | 'SWITCHYARD_BULKHEAD_FULL'
  | 'SWITCHYARD_CLIENT_CLOSED'
  | 'SWITCHYARD_UNREPLAYABLE_BODY'
  | 'SWITCHYARD_INVALID_REQUEST'
  | 'SWITCHYARD_REDIRECT_OUTSIDE_SERVICE'
  | 'SWITCHYARD_DISCOVERY';

/** Base class of every error switchyard raises. */
export class SwitchyardError extends Error {
  /** A stable machine-readable code. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** `value` as an error message quotes it. */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  try {
    const json = JSON.stringify(value);
    return json.length > 120 ? `${json.slice(0, 117)}...` : json;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * An option is invalid. `option` is its dotted path (`timeout.attempt`), `value` the rejected value.
 * Neither the message nor `value` holds a URL's credentials (`user:password@`): they are removed.
 */
export class ConfigError extends SwitchyardError {
  /** Dotted path of the offending option, e.g. `retry.budget.ratio`. */
  readonly option: string;
  /** The rejected value (strings in it with any URL credentials removed). */
  readonly value: unknown;

  constructor(option: string, value: unknown, expected: string) {
    const printable = withoutCredentials(value);
    super('SWITCHYARD_CONFIG', `Invalid option ${option}: ${describe(printable)} (expected ${expected})`);
    this.option = option;
    this.value = printable;
  }
}

/** No endpoint could be picked: discovery returned none, or every one is unavailable. */
export class NoEndpointsError extends SwitchyardError {
  /** The service that had no endpoint. */
  readonly service: string;

  constructor(service: string, detail = 'no endpoints are known') {
    super('SWITCHYARD_NO_ENDPOINTS', `No endpoint available for service "${service}": ${detail}`);
    this.service = service;
  }
}

/** The chosen endpoint's circuit breaker is open, so the attempt was not sent. */
export class CircuitOpenError extends SwitchyardError {
  /** The endpoint whose breaker is open. */
  readonly endpoint: string;

  constructor(endpoint: string) {
    super('SWITCHYARD_CIRCUIT_OPEN', `Circuit breaker open for ${endpoint}`);
    this.endpoint = endpoint;
  }
}

/** The limiter had no token and could not wait for one within `maxWait`. */
export class RateLimitedError extends SwitchyardError {
  /** Milliseconds until a token would have been available. */
  readonly retryAfterMs: number;

  constructor(retryAfterMs: number) {
    super('SWITCHYARD_RATE_LIMITED', `Rate limited: next token in ${Math.ceil(retryAfterMs)} ms`);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The adaptive concurrency limit was reached: the attempt was shed, not sent and not queued. */
export class ConcurrencyLimitedError extends SwitchyardError {
  /** The concurrency limit at the moment the attempt was shed. */
  readonly limit: number;

  constructor(limit: number) {
    super('SWITCHYARD_CONCURRENCY_LIMITED', `Concurrency limit reached: ${limit} attempts in flight`);
    this.limit = limit;
  }
}

/** Client-side adaptive throttling rejected the attempt locally, so an overloaded service gets relief. */
export class ThrottledError extends SwitchyardError {
  /** The rejection probability at that moment, in [0, 1). */
  readonly probability: number;

  constructor(probability: number) {
    super('SWITCHYARD_THROTTLED', `Throttled locally: the service accepted too few recent requests (rejecting ${(probability * 100).toFixed(1)} %)`);
    this.probability = probability;
  }
}

/** A retry was needed but the retry budget was spent; `cause` is the last attempt's error. */
export class RetryBudgetExhaustedError extends SwitchyardError {
  constructor(options?: { cause?: unknown }) {
    super('SWITCHYARD_RETRY_BUDGET_EXHAUSTED', 'Retry budget exhausted', options);
  }
}

/** An attempt timeout, the call's total deadline, or the body deadline (`timeout.body`) elapsed. */
export class TimeoutError extends SwitchyardError {
  /** Which limit elapsed. */
  readonly kind: 'attempt' | 'total' | 'body';
  /** The limit in milliseconds. */
  readonly timeoutMs: number;

  constructor(kind: 'attempt' | 'total' | 'body', timeoutMs: number, options?: { cause?: unknown }) {
    super('SWITCHYARD_TIMEOUT', `${kind === 'attempt' ? 'Attempt' : kind === 'total' ? 'Total' : 'Body'} timeout of ${timeoutMs} ms elapsed`, options);
    this.kind = kind;
    this.timeoutMs = timeoutMs;
  }
}

/** The bulkhead's concurrency cap and queue are both full. */
export class BulkheadFullError extends SwitchyardError {
  constructor(maxConcurrent: number, maxQueue: number) {
    super('SWITCHYARD_BULKHEAD_FULL', `Bulkhead full: ${maxConcurrent} in flight and ${maxQueue} queued`);
  }
}

/** The client was closed; no new call is accepted. */
export class ClientClosedError extends SwitchyardError {
  constructor(service: string) {
    super('SWITCHYARD_CLIENT_CLOSED', `Client for service "${service}" is closed`);
  }
}

/** A retry or hedge needed to resend a body that can be read only once. */
export class UnreplayableBodyError extends SwitchyardError {
  constructor(options?: { cause?: unknown }) {
    super(
      'SWITCHYARD_UNREPLAYABLE_BODY',
      'The request body is a one-shot stream and cannot be resent; pass a string, Buffer, Uint8Array or Blob to make the call retryable',
      options,
    );
  }
}

/**
 * The request itself is malformed (a header with CR/LF, a URL for another service, a path undici
 * refuses). Nothing was sent, and it never counts against an endpoint (breaker, load, stats).
 */
export class InvalidRequestError extends SwitchyardError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SWITCHYARD_INVALID_REQUEST', message, options);
  }
}

/**
 * `client.fetch` got a redirect to a place outside the service (another host, or a URL with
 * credentials), which it never follows: `location` is where it pointed (credentials removed).
 * Pass `redirect: 'manual'` to handle such redirects yourself.
 */
export class RedirectOutsideServiceError extends SwitchyardError {
  /** The redirect's status. */
  readonly status: number;
  /** The `Location` it pointed to, resolved, with any userinfo removed. */
  readonly location: string;

  constructor(service: string, status: number, location: string) {
    super(
      'SWITCHYARD_REDIRECT_OUTSIDE_SERVICE',
      `A ${status} redirect of service "${service}" points to ${JSON.stringify(location)}, outside the service: not followed (pass redirect: 'manual' to handle it)`,
    );
    this.status = status;
    this.location = location;
  }
}

/** A discovery provider failed to read its registry; the last good endpoint set is kept. `cause` is the registry's error. */
export class DiscoveryError extends SwitchyardError {
  /** The provider, as it names itself (`dns _http._tcp.payments`, `etcd /services/payments/`). */
  readonly provider: string;

  constructor(provider: string, message: string, options?: { cause?: unknown }) {
    super('SWITCHYARD_DISCOVERY', `Discovery ${provider}: ${message}`, options);
    this.provider = provider;
  }
}

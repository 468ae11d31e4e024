import { context, INVALID_SPAN_CONTEXT, isSpanContextValid, propagation, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { Call, HeaderMap, Middleware, Reply } from '../core/call.js';
import { errorType } from './error-type.js';
import { redactedUrl, type PathRedactor } from './redact-url.js';

/** Name and version reported as the instrumentation scope. */
const SCOPE = 'switchyard';

/** The tracer switchyard uses; a no-op until the application registers an OpenTelemetry SDK. */
export function switchyardTracer(version: string): Tracer {
  return trace.getTracer(SCOPE, version);
}

const LOGICAL_SPAN = { kind: SpanKind.INTERNAL } as const;

/** How many methods' span names a layer remembers (the standard ones, and a few more). */
const MAX_LOGICAL_NAMES = 64;

/** `HTTP {method}`, made once per method instead of once per call: remembered in `names`, up to a bound. */
function logicalName(names: Map<string, string>, method: string): string {
  let name = names.get(method);
  if (name === undefined) {
    name = `HTTP ${method}`;
    if (names.size < MAX_LOGICAL_NAMES) names.set(method, name);
  }
  return name;
}
const ATTEMPT_SPAN = { kind: SpanKind.CLIENT } as const;

/**
 * The logical span: one INTERNAL span named `HTTP {method}` per call, around every attempt, so
 * attempts (retries, hedges) appear as its children.
 *
 * A span that does not record (no SDK, or sampled out) is ended at once and the attempts run in
 * the caller's context: nothing would be recorded, and this keeps the untraced path free of
 * context switches (measured in `npm run bench:overhead`).
 */
export function logicalSpanLayer(tracer: Tracer): Middleware {
  const names = new Map<string, string>();
  return (call, next) => {
    const parent = context.active();
    const span = tracer.startSpan(logicalName(names, call.method), LOGICAL_SPAN, parent);
    if (!span.isRecording()) {
      span.end();
      return next(call);
    }
    span.setAttributes({ 'http.request.method': call.method, 'switchyard.service': call.service });
    return context.with(trace.setSpan(parent, span), next, undefined, call).then(
      (reply) => {
        span.setAttribute('http.response.status_code', reply.status);
        if (reply.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        return reply;
      },
      (error: unknown) => {
        endWithError(span, error);
        throw error;
      },
    );
  };
}

/**
 * The attempt span: one CLIENT span per attempt, named `{method}` with the HTTP client semantic
 * conventions (`http.request.method`, `server.address`, `server.port`, `url.full` with the values of
 * the query parameters `redactPath` knows replaced by `REDACTED`,
 * `http.response.status_code`, `error.type`, `http.request.resend_count` on resends), and the
 * W3C trace context of this span injected into the outgoing headers. A span that does not record
 * still propagates its context when it has a valid one (a sampled-out trace stays one trace).
 */
export function attemptSpanLayer(tracer: Tracer, redactPath: PathRedactor): Middleware {
  return (call, next) => {
    const parent = context.active();
    const span = tracer.startSpan(call.method, ATTEMPT_SPAN, parent);
    const recording = span.isRecording();
    if (!recording) {
      // With no SDK and no incoming trace the span's context is the API's invalid constant: one
      // identity check instead of scanning its 48 hex digits.
      const spanContext = span.spanContext();
      if (spanContext === INVALID_SPAN_CONTEXT || !isSpanContextValid(spanContext)) return next(call);
    }
    const ctx = trace.setSpan(parent, span);
    const out = withTraceContext(call, ctx);
    if (!recording) {
      span.end();
      return next(out);
    }
    const endpoint = call.endpoint!;
    const url = new URL(endpoint.endpoint.url);
    span.setAttributes({
      'http.request.method': call.method,
      'server.address': url.hostname,
      'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      'url.full': redactedUrl(endpoint.endpoint.url, call.path, redactPath),
    });
    if (call.attempt > 0) span.setAttribute('http.request.resend_count', call.attempt);
    return context.with(ctx, next, undefined, out).then(
      (reply: Reply) => {
        span.setAttribute('http.response.status_code', reply.status);
        if (reply.status >= 400) {
          span.setAttribute('error.type', String(reply.status));
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
        return reply;
      },
      (error: unknown) => {
        endWithError(span, error);
        throw error;
      },
    );
  };
}

/** The call with the registered propagator's headers (W3C `traceparent`, ...) for `ctx` added. */
function withTraceContext(call: Call, ctx: Context): Call {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  let headers: HeaderMap | undefined;
  for (const name in carrier) {
    headers ??= { ...call.headers };
    headers[name] = carrier[name]!;
  }
  return headers ? { ...call, headers } : call;
}

function endWithError(span: Span, error: unknown): void {
  span.setAttribute('error.type', errorType(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  if (error instanceof Error) span.recordException(error);
  span.end();
}

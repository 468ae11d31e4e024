import { context, propagation, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { Middleware, Reply } from '../core/call.js';
import { SwitchyardError } from '../core/errors.js';
import { redactedUrl } from './redact-url.js';

/** Name and version reported as the instrumentation scope. */
const SCOPE = 'switchyard';

/** The tracer switchyard uses; a no-op until the application registers an OpenTelemetry SDK. */
export function switchyardTracer(version: string): Tracer {
  return trace.getTracer(SCOPE, version);
}

/**
 * The logical span: one INTERNAL span named `HTTP {method}` per call, around every attempt, so
 * attempts (retries, hedges) appear as its children. Records nothing without an SDK.
 */
export function logicalSpanLayer(tracer: Tracer): Middleware {
  return (call, next) => {
    const span = tracer.startSpan(`HTTP ${call.method}`, {
      kind: SpanKind.INTERNAL,
      attributes: { 'http.request.method': call.method, 'switchyard.service': call.service },
    });
    if (!span.isRecording()) {
      return context.with(trace.setSpan(context.active(), span), next, undefined, call).finally(() => span.end());
    }
    return context.with(trace.setSpan(context.active(), span), next, undefined, call).then(
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
 * conventions (`http.request.method`, `server.address`, `server.port`, `url.full` redacted,
 * `http.response.status_code`, `error.type`, `http.request.resend_count` on resends), and the
 * W3C trace context of this span injected into the outgoing headers.
 */
export function attemptSpanLayer(tracer: Tracer): Middleware {
  return (call, next) => {
    const endpoint = call.endpoint!;
    const span = tracer.startSpan(call.method, { kind: SpanKind.CLIENT }, context.active());
    const ctx = trace.setSpan(context.active(), span);
    const carrier: Record<string, string> = {};
    propagation.inject(ctx, carrier);
    let headers = call.headers;
    for (const name in carrier) {
      if (headers === call.headers) headers = { ...call.headers };
      headers[name] = carrier[name]!;
    }
    const out = headers === call.headers ? call : { ...call, headers };
    if (!span.isRecording()) return next(out).finally(() => span.end());
    const url = new URL(endpoint.endpoint.url);
    span.setAttributes({
      'http.request.method': call.method,
      'server.address': url.hostname,
      'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      'url.full': redactedUrl(endpoint.endpoint.url, call.path),
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

function endWithError(span: Span, error: unknown): void {
  span.setAttribute('error.type', errorType(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  if (error instanceof Error) span.recordException(error);
  span.end();
}

/** `error.type`: a stable code where one exists (ours or undici's), else the class name. */
function errorType(error: unknown): string {
  if (error instanceof SwitchyardError) return error.name;
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return typeof code === 'string' ? code : error.name;
  }
  return '_OTHER';
}

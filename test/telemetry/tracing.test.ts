import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Middleware } from '../../src/index.js';
import { startLoopbackFleet, type LoopbackFleet } from '../support/loopback.js';
import { installTracingSdk } from '../support/tracing-sdk.js';

let fleet: LoopbackFleet;
const sdk = installTracingSdk();
const { exporter } = sdk;

beforeAll(async () => {
  fleet = await startLoopbackFleet(2);
});
afterAll(async () => {
  sdk.uninstall();
  await fleet.stop();
});
afterEach(() => exporter.reset());

const byKind = (kind: SpanKind): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.kind === kind);

describe('with an OpenTelemetry SDK registered', () => {
  it('records one logical span and one client span per attempt with the HTTP semantic conventions', async () => {
    const client = createClient({ service: 'svc', endpoints: fleet.urls });
    const res = await client.fetch('/echo?x=1&sig=secret-signature');
    const echo = (await res.json()) as { headers: Record<string, string> };
    await client.close();

    const [logical, ...moreLogical] = byKind(SpanKind.INTERNAL);
    const [attempt, ...moreAttempts] = byKind(SpanKind.CLIENT);
    expect(moreLogical).toHaveLength(0);
    expect(moreAttempts).toHaveLength(0);
    expect(logical!.name).toBe('HTTP GET');
    expect(attempt!.name).toBe('GET');
    expect(attempt!.parentSpanContext?.spanId).toBe(logical!.spanContext().spanId);
    const port = Number(new URL(fleet.urls[0]!).port);
    expect(attempt!.attributes).toEqual({
      'http.request.method': 'GET',
      'server.address': '127.0.0.1',
      'server.port': port,
      'url.full': `${fleet.urls[0]}/echo?x=1&sig=REDACTED`,
      'http.response.status_code': 200,
    });
    // The server saw the trace context of the attempt span, not of the logical span.
    const { traceId, spanId } = attempt!.spanContext();
    expect(echo.headers.traceparent).toBe(`00-${traceId}-${spanId}-01`);
  });

  it('marks a 5xx reply and a failed attempt as errors with error.type', async () => {
    const client = createClient({ service: 'svc', endpoints: [fleet.urls[0]!], timeout: { attempt: 100 }, retry: false });
    const res = await client.fetch('/status/503');
    await res.text();
    await client.fetch('/hang').catch(() => {});
    await client.close();

    const [failedStatus, timedOut] = byKind(SpanKind.CLIENT);
    expect(failedStatus!.attributes['http.response.status_code']).toBe(503);
    expect(failedStatus!.attributes['error.type']).toBe('503');
    expect(failedStatus!.status.code).toBe(SpanStatusCode.ERROR);
    expect(timedOut!.attributes['error.type']).toBe('TimeoutError');
    expect(timedOut!.status.code).toBe(SpanStatusCode.ERROR);
    expect(timedOut!.attributes['http.response.status_code']).toBeUndefined();
    expect(byKind(SpanKind.INTERNAL).map((s) => s.status.code)).toEqual([SpanStatusCode.ERROR, SpanStatusCode.ERROR]);
  });

  it('gives each resend its own client span with http.request.resend_count', async () => {
    // A middleware that sends every call twice stands in for a retry layer.
    const twice: Middleware = async (call, next) => {
      const first = await next(call);
      await first.body.dump();
      return next({ ...call, attempt: 1, tried: new Set([first.endpoint!.id]) });
    };
    const client = createClient({ service: 'svc', endpoints: fleet.urls, middleware: [twice] });
    await (await client.fetch('/echo')).text();
    await client.close();

    const attempts = byKind(SpanKind.CLIENT);
    expect(attempts).toHaveLength(2);
    expect(attempts[0]!.attributes['http.request.resend_count']).toBeUndefined();
    expect(attempts[1]!.attributes['http.request.resend_count']).toBe(1);
    expect(attempts.map((s) => s.attributes['server.port'])).toEqual(fleet.urls.map((u) => Number(new URL(u).port)));
    const logical = byKind(SpanKind.INTERNAL);
    expect(logical).toHaveLength(1);
    expect(new Set(attempts.map((s) => s.parentSpanContext?.spanId))).toEqual(new Set([logical[0]!.spanContext().spanId]));
  });

  it('creates no spans when tracing is off', async () => {
    const client = createClient({ service: 'svc', endpoints: fleet.urls, tracing: false });
    const echo = (await (await client.fetch('/echo')).json()) as { headers: Record<string, string> };
    await client.close();
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    expect(echo.headers.traceparent).toBeUndefined();
  });
});

describe('with retries', () => {
  it('puts every retry under the one logical span, counting resends', async () => {
    const client = createClient({ service: 'svc', endpoints: fleet.urls, retry: { retries: 2 } });
    await fleet.setMode(0, { status: 503 });
    const res = await client.fetch('/echo');
    await res.text();
    await client.close();
    await fleet.reset();

    expect(res.status).toBe(200);
    const attempts = byKind(SpanKind.CLIENT);
    expect(attempts.map((s) => [s.attributes['http.response.status_code'], s.attributes['http.request.resend_count']])).toEqual([
      [503, undefined],
      [200, 1],
    ]);
    const [logical] = byKind(SpanKind.INTERNAL);
    expect(attempts.every((s) => s.parentSpanContext?.spanId === logical!.spanContext().spanId)).toBe(true);
    expect(logical!.attributes['http.response.status_code']).toBe(200);
  });
});

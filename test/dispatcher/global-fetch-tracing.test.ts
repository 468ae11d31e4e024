import { context, SpanKind, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createMesh } from '../../src/index.js';
import { startLoopbackFleet, type LoopbackFleet } from '../support/loopback.js';
import { installTracingSdk } from '../support/tracing-sdk.js';

let fleet: LoopbackFleet;
const sdk = installTracingSdk();
const { exporter } = sdk;

beforeAll(async () => {
  fleet = await startLoopbackFleet(1);
});
afterAll(async () => {
  sdk.uninstall();
  await fleet.stop();
});

it("traces a global fetch through the mesh under the caller's span, and injects the attempt's trace context", async () => {
  const mesh = createMesh({ config: { services: { payments: { endpoints: fleet.urls } } } });
  const dispatcher = mesh.dispatcher();
  const tracer = trace.getTracer('test');
  const echo = await tracer.startActiveSpan('caller', async (caller) => {
    const res = await fetch('http://payments/echo', { dispatcher } as RequestInit);
    caller.end();
    return (await res.json()) as { headers: Record<string, string> };
  });
  await mesh.close();
  const spans = exporter.getFinishedSpans();
  const caller = spans.find((s) => s.name === 'caller')!;
  const logical = spans.find((s) => s.kind === SpanKind.INTERNAL && s.name === 'HTTP GET')!;
  const attempt = spans.find((s) => s.kind === SpanKind.CLIENT)!;
  expect(logical.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
  expect(attempt.parentSpanContext?.spanId).toBe(logical.spanContext().spanId);
  expect(echo.headers.traceparent).toContain(attempt.spanContext().spanId);
});

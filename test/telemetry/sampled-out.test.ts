import { context, trace } from '@opentelemetry/api';
import { AlwaysOffSampler } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient } from '../../src/index.js';
import { startLoopbackFleet, type LoopbackFleet } from '../support/loopback.js';
import { installTracingSdk } from '../support/tracing-sdk.js';

let fleet: LoopbackFleet;
const sdk = installTracingSdk(new AlwaysOffSampler());
const { exporter } = sdk;

beforeAll(async () => {
  fleet = await startLoopbackFleet(1);
});
afterAll(async () => {
  sdk.uninstall();
  await fleet.stop();
});

it('propagates a sampled-out trace as one trace without recording spans', async () => {
  const client = createClient({ service: 'svc', endpoints: fleet.urls });
  const caller = trace.getTracer('test').startSpan('incoming request');
  const echo = await context.with(trace.setSpan(context.active(), caller), async () => (await client.fetch('/echo')).json());
  await client.close();
  caller.end();
  expect(exporter.getFinishedSpans()).toHaveLength(0);
  const { traceId } = caller.spanContext();
  expect((echo as { headers: Record<string, string> }).headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
});

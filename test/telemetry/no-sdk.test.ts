import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient } from '../../src/index.js';
import { startLoopbackFleet, type LoopbackFleet } from '../support/loopback.js';

let fleet: LoopbackFleet;
beforeAll(async () => {
  fleet = await startLoopbackFleet(1);
});
afterAll(() => fleet.stop());

it('records nothing, injects nothing and fails nothing when no OpenTelemetry SDK is registered', async () => {
  const client = createClient({ service: 'svc', endpoints: fleet.urls });
  const res = await client.fetch('/echo');
  const echo = (await res.json()) as { headers: Record<string, string> };
  expect(res.status).toBe(200);
  expect(echo.headers.traceparent).toBeUndefined();
  const failed = await client.fetch('/status/500');
  expect(failed.status).toBe(500);
  await failed.text();
  await client.close();
});

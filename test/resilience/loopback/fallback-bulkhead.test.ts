import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { BulkheadFullError, createClient, RateLimitedError } from '../../../src/index.js';
import { startLoopbackFleet, type LoopbackFleet } from '../../support/loopback.js';
import { watchResources } from '../../support/resource-watch.js';

let fleet: LoopbackFleet;
beforeAll(async () => {
  fleet = await startLoopbackFleet(2);
});
afterAll(() => fleet.stop());
beforeEach(() => fleet.reset());

it('answers from the fallback, through fetch, when every endpoint fails', async () => {
  await fleet.setMode(0, { reset: true });
  await fleet.setMode(1, { reset: true });
  const resources = watchResources();
  const client = createClient({
    service: 'svc',
    endpoints: fleet.urls,
    fallback: { handler: ({ error }) => ({ status: 200, headers: { 'x-fallback': (error as Error).name }, body: 'cached' }) },
  });
  const res = await client.fetch('/echo');
  expect([res.status, res.headers.get('x-fallback'), await res.text()]).toEqual([200, 'SocketError', 'cached']);
  await client.close();
  expect(await resources.settled()).toEqual([]);
});

it('fails calls beyond the bulkhead at once, and rate-limits attempts, on a real fleet', async () => {
  await fleet.setMode(0, { delayMs: 200 });
  await fleet.setMode(1, { delayMs: 200 });
  const resources = watchResources();
  const client = createClient({ service: 'svc', endpoints: fleet.urls, bulkhead: { maxConcurrent: 2, maxQueue: 1 }, limiter: { rate: 0.001, burst: 2 } });
  const calls = Array.from({ length: 5 }, () => client.request({ path: '/echo' }).then((r) => r.body.dump().then(() => r.statusCode), (e: unknown) => e));
  const outcomes = await Promise.all(calls);
  // Two run, one queues (then finds the bucket empty), two are turned away by the bulkhead.
  expect(outcomes.slice(0, 2)).toEqual([200, 200]);
  expect(outcomes[2]).toBeInstanceOf(RateLimitedError);
  expect(outcomes.slice(3).map((e) => e instanceof BulkheadFullError)).toEqual([true, true]);
  expect((await fleet.stats(0)).requests + (await fleet.stats(1)).requests).toBe(2);
  await client.close();
  expect(await resources.settled()).toEqual([]);
});

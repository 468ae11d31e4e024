import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createClient, ManualClock, type ClientEvents } from '../../../src/index.js';
import { startLoopbackFleet, type LoopbackFleet } from '../../support/loopback.js';
import { watchResources } from '../../support/resource-watch.js';

let fleet: LoopbackFleet;
beforeAll(async () => {
  fleet = await startLoopbackFleet(2);
});
afterAll(() => fleet.stop());
beforeEach(async () => {
  await fleet.reset();
  await fleet.setMode(0, { status: 503, retryAfter: '1' });
});

/** Lets replies, IPC and promise callbacks run without moving the manual clock. */
const settle = async (): Promise<void> => {
  await fleet.stats(0);
  await new Promise((r) => setImmediate(r));
};

it('waits out Retry-After: 1 on the client clock before retrying a 503', async () => {
  const resources = watchResources();
  const clock = new ManualClock();
  const client = createClient({ service: 'svc', endpoints: fleet.urls, clock, retry: { retries: 1 } });
  const retries: ClientEvents['retry'][] = [];
  client.on('retry', (e) => retries.push(e));
  const pending = client.request({ path: '/echo' });
  await expect.poll(() => retries.length).toBe(1);
  expect(retries[0]).toMatchObject({ delayMs: 1_000, reason: 'status 503', attempt: 1 });
  clock.advance(999);
  await settle();
  expect((await fleet.stats(1)).requests).toBe(0);
  clock.advance(1);
  const res = await pending;
  expect([res.statusCode, res.endpoint]).toEqual([200, client.stats()[1]!.id]);
  await res.body.dump();
  await client.close();
  expect(await resources.settled()).toEqual([]);
});

it('fails fast with the 503 when the deadline cannot fit the Retry-After wait', async () => {
  const resources = watchResources();
  const clock = new ManualClock();
  const client = createClient({ service: 'svc', endpoints: fleet.urls, clock, retry: { retries: 1 }, timeout: { total: 500 } });
  const res = await client.request({ path: '/echo' });
  expect(res.statusCode).toBe(503);
  expect(clock.now()).toBe(0);
  await res.body.dump();
  expect((await fleet.stats(1)).requests).toBe(0);
  await client.close();
  expect(await resources.settled()).toEqual([]);
});

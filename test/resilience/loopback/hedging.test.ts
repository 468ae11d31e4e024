import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createClient, ManualClock } from '../../../src/index.js';
import { startLoopbackFleet, type LoopbackFleet } from '../../support/loopback.js';
import { watchResources } from '../../support/resource-watch.js';

let fleet: LoopbackFleet;
beforeAll(async () => {
  fleet = await startLoopbackFleet(2);
});
afterAll(() => fleet.stop());
beforeEach(() => fleet.reset());

it('hedges a slow call to the other endpoint; the loser is aborted and its server sees the abort', async () => {
  await fleet.setMode(0, { hang: true });
  const resources = watchResources();
  const clock = new ManualClock();
  const client = createClient({ service: 'svc', endpoints: fleet.urls, clock, hedge: { delay: 20, budget: { ratio: 1 } } });
  const hedges: number[] = [];
  client.on('hedge', (e) => hedges.push(e.attempt));
  const pending = client.request({ path: '/echo' });
  await expect.poll(async () => (await fleet.stats(0)).requests).toBe(1);
  clock.advance(20);
  const res = await pending;
  expect(res.statusCode).toBe(200);
  expect(((await res.body.json()) as { server: number }).server).toBe(1);
  expect(hedges).toEqual([1]);
  await expect.poll(async () => (await fleet.stats(0)).aborted).toBe(1);
  await client.close();
  expect(await resources.settled()).toEqual([]);
});

it('keeps hedges within the hedge budget (5 % of calls) when every other call is slow', async () => {
  await fleet.setMode(0, { delayMs: 30 });
  const resources = watchResources();
  const client = createClient({ service: 'svc', endpoints: fleet.urls, hedge: { delay: 5 } });
  let hedges = 0;
  let refused = 0;
  client.on('hedge', () => void hedges++);
  client.on('budget-exhausted', (e) => void (e.kind === 'hedge' && refused++));
  const calls = 200;
  for (let i = 0; i < calls; i++) {
    const res = await client.request({ path: '/echo' });
    await res.body.dump();
  }
  const sent = (await fleet.stats(0)).requests + (await fleet.stats(1)).requests;
  // A hedge that loses before its request is written is never sent at all.
  expect(sent).toBeGreaterThan(calls);
  expect(sent).toBeLessThanOrEqual(calls + hedges);
  expect(hedges).toBeGreaterThan(0);
  expect(hedges).toBeLessThanOrEqual(0.05 * calls);
  expect(refused).toBeGreaterThan(0);
  await client.close();
  expect(await resources.settled()).toEqual([]);
});

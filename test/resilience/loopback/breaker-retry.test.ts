import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient } from '../../../src/index.js';
import { startLoopbackFleet, type LoopbackFleet } from '../../support/loopback.js';
import { watchResources } from '../../support/resource-watch.js';

let fleet: LoopbackFleet;
beforeAll(async () => {
  fleet = await startLoopbackFleet(3);
});
afterAll(() => fleet.stop());

it('three endpoints, one always 503: 1,000 GETs with 2 retries all succeed; its breaker opens within the volume threshold and then it sees only probes', async () => {
  await fleet.setMode(2, { status: 503 });
  const resources = watchResources();
  const volumeThreshold = 10;
  const client = createClient({
    service: 'svc',
    endpoints: fleet.urls,
    retry: { retries: 2 },
    breaker: { volumeThreshold, resetTimeout: 100 },
  });
  const bad = client.stats()[2]!.id;
  let opens = 0;
  let halfOpens = 0;
  client.on('breaker-open', (e) => void (e.endpoint === bad && opens++));
  client.on('breaker-half-open', (e) => void (e.endpoint === bad && halfOpens++));
  const statuses = new Map<number, number>();
  for (let i = 0; i < 1_000; i++) {
    const res = await client.request({ path: '/echo' });
    await res.body.dump();
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
  }
  expect([...statuses]).toEqual([[200, 1_000]]);
  const badRequests = (await fleet.stats(2)).requests;
  // Each half-open admitted one probe, which failed and reopened the breaker.
  expect(opens).toBeGreaterThanOrEqual(1);
  expect(opens).toBeGreaterThanOrEqual(halfOpens);
  // Before the first open: at most the volume threshold. After: one probe per half-open, at most.
  expect(badRequests - halfOpens).toBeLessThanOrEqual(volumeThreshold);
  expect(badRequests).toBeGreaterThanOrEqual(volumeThreshold);
  expect(badRequests).toBeLessThanOrEqual(volumeThreshold + halfOpens);
  expect(client.stats().map((s) => s.state)).toEqual(['healthy', 'healthy', expect.stringMatching(/ejected|probing/)]);
  await client.close();
  expect(await resources.settled()).toEqual([]);
});

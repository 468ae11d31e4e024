import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createMesh, seededRng, type ConfigEvent, type MeshConfig } from '../../src/index.js';
import { startLoopbackFleet, type LoopbackFleet } from '../support/loopback.js';
import { watchResources } from '../support/resource-watch.js';

let fleet: LoopbackFleet;
beforeAll(async () => {
  fleet = await startLoopbackFleet(4);
});
afterAll(() => fleet?.stop());

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapAfterGc = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

/** The k-th config of the run: weights, retries and timeouts change each time; every third one is invalid. */
function configOf(k: number): MeshConfig {
  const canary = 5 + (k % 4) * 5;
  const config: MeshConfig = {
    version: `k${k}`,
    services: {
      payments: {
        endpoints: fleet.urls.map((url, i) => ({ url, tags: { version: i < 3 ? 'v1' : 'v2' } })),
        subsets: { v1: { tags: { version: 'v1' } }, v2: { tags: { version: 'v2' } } },
        // The first config balances round-robin, so the warm-up reaches endpoint 0; a new balancer keeps the breakers.
        balancer: k === 0 ? 'round-robin' : 'peak-ewma',
        breaker: { volumeThreshold: 5, errorThresholdPercentage: 50, resetTimeout: 600_000 },
        retry: { retries: 1 + (k % 2), budget: { ratio: 0.5 } },
        timeout: { attempt: 2_000 + (k % 3), total: 5_000 },
        routes: [
          { name: 'beta', match: { headers: [{ name: 'x-beta', present: true }] }, subset: 'v2' },
          { name: 'canary', split: [{ subset: 'v1', weight: 100 - canary }, { subset: 'v2', weight: canary }] },
        ],
      },
    },
  };
  if (k % 3 === 2) {
    // Invalid in a different place each time.
    const broken = [
      () => (config.services.payments!.routes = [{ split: [{ subset: 'v9', weight: 1 }] }]),
      () => ((config.services.payments as Record<string, unknown>).retires = 3),
      () => (config.services.payments!.timeout = { total: -5 }),
    ];
    broken[Math.floor(k / 3) % 3]!();
  }
  return config;
}

it('swaps configs under load: 1 000 calls/s, a new config every 100 ms for 10 s, a third invalid; no call fails, state survives, nothing leaks', { timeout: 60_000 }, async () => {
  const watch = watchResources();
  const mesh = createMesh({ config: configOf(0), rng: seededRng(3), tracing: false });
  const applied: ConfigEvent[] = [];
  const rejected: ConfigEvent[] = [];
  mesh.on('config-applied', (e) => applied.push(e));
  mesh.on('config-rejected', (e) => rejected.push(e));
  const client = mesh.client('payments');

  // Before the load: endpoint 0 fails until its breaker opens (reset 10 minutes away).
  await fleet.setMode(0, { status: 503 });
  for (let i = 0; i < 40 && client.stats()[0]!.state === 'healthy'; i++) await (await client.request({ path: '/', headers: { 'x-warm': '1' } })).body.dump();
  expect(client.stats()[0]!.state).toBe('ejected');
  await fleet.setMode(0, {});
  for (let i = 0; i < 200; i++) await (await client.request({ path: '/' })).body.dump();
  const ids = client.stats().map((s) => s.id);
  const requestsBefore = client.stats().map((s) => s.requests);
  const heapBefore = heapAfterGc();

  const outcomes: Array<Promise<number | string>> = [];
  const callsPerTick = 10;
  let k = 1;
  const load = setInterval(() => {
    for (let i = 0; i < callsPerTick; i++) {
      const beta = outcomes.length % 7 === 0;
      outcomes.push(
        client.request({ path: '/echo', headers: beta ? { 'x-beta': '1' } : {} }).then(
          async (r) => (await r.body.dump(), r.statusCode),
          (e: unknown) => String(e),
        ),
      );
    }
  }, 10);
  const reload = setInterval(() => {
    try {
      mesh.apply(configOf(k));
    } catch {
      // Counted through config-rejected.
    }
    k++;
  }, 100);
  await new Promise((r) => setTimeout(r, 10_000));
  clearInterval(load);
  clearInterval(reload);
  const results = await Promise.all(outcomes);

  expect(results.length).toBeGreaterThan(5_000);
  const failed = results.filter((r) => r !== 200);
  expect(failed).toEqual([]);
  const invalid = Array.from({ length: k - 1 }, (_, i) => i + 1).filter((j) => j % 3 === 2).length;
  expect(rejected).toHaveLength(invalid);
  expect(applied).toHaveLength(k - 1 - invalid);
  // The active config is the last valid one.
  const lastValid = [...Array(k).keys()].reverse().find((j) => j % 3 !== 2)!;
  expect(mesh.config()?.version).toBe(`k${lastValid}`);
  // The cluster survived every swap: same endpoints, counters never reset, the breaker still open.
  const after = client.stats();
  expect(after.map((s) => s.id)).toEqual(ids);
  after.forEach((s, i) => expect(s.requests).toBeGreaterThanOrEqual(requestsBefore[i]!));
  expect(after[0]!.state).toBe('ejected');
  expect(after.slice(1).every((s) => s.ewmaMs > 0)).toBe(true);
  // A hundred generations later the heap is where it was (a generous bound: no per-generation leak).
  expect(heapAfterGc() - heapBefore).toBeLessThan(8 * 1024 * 1024);

  await mesh.close();
  expect(await watch.settled()).toEqual([]);
});

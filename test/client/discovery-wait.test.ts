import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient, ManualClock, type Discovery, type DiscoveryListener } from '../../src/index.js';
import { toEndpoint } from '../../src/fleet/endpoint.js';
import { startLoopbackFleet, type LoopbackFleet } from '../support/loopback.js';

let fleet: LoopbackFleet;
beforeAll(async () => {
  fleet = await startLoopbackFleet(1);
});
afterAll(() => fleet.stop());

/** A provider whose first snapshot arrives when the test says so. */
function lateDiscovery(url: string): Discovery & { deliver(): void } {
  const listeners = new Set<DiscoveryListener>();
  let delivered: () => void;
  const ready = new Promise<void>((resolve) => (delivered = resolve));
  let current: ReturnType<Discovery['current']> = [];
  return {
    current: () => current,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ready: () => ready,
    async close() {
      listeners.clear();
    },
    deliver() {
      current = [toEndpoint(url, 'endpoints[0]')];
      for (const listener of listeners) listener.update(current);
      delivered();
    },
  };
}

it("sends a call made before discovery's first answer once it arrives, with its deadline counted from then", async () => {
  const clock = new ManualClock();
  const discovery = lateDiscovery(fleet.urls[0]!);
  const client = createClient({ service: 'svc', discovery, clock, timeout: { total: 1_000 }, retry: false });
  let settled = false;
  const pending = client.request({ path: '/echo' }).finally(() => (settled = true));
  // Waiting for discovery does not use up the call's time.
  clock.advance(5_000);
  await new Promise((resolve) => setImmediate(resolve));
  expect(settled).toBe(false);
  discovery.deliver();
  const res = await pending;
  expect(res.statusCode).toBe(200);
  expect(res.endpoint).toBe(fleet.urls[0]);
  expect(((await res.body.json()) as { path: string }).path).toBe('/echo');
  await client.close();
});

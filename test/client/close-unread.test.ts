import { describe, expect, it } from 'vitest';
import { ConfigError, createClient, ManualClock } from '../../src/index.js';
import { FAULT_SERVER } from '../support/loopback.js';
import { useLoopbackClients } from '../support/loopback-clients.js';
import { watchResources } from '../support/resource-watch.js';

const loopback = useLoopbackClients(1, FAULT_SERVER);
const ONE_MIB = 1024 * 1024;

/** Resolves to whether `promise` settled within `ms` of real time. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((r) => setTimeout(r, ms));
  return settled;
}

describe('close() with a response body nobody reads', () => {
  it('waits the grace period, then destroys the body and its socket and resolves, leaving no handle', async () => {
    const resources = watchResources();
    const clock = new ManualClock();
    const client = createClient({ service: 'svc', endpoints: [loopback.fleet.urls[0]!], retry: false, clock, transport: { closeGrace: 2_000 } });
    const res = await client.fetch(`/bytes/${ONE_MIB}`);
    const closing = client.close();
    // Within the grace period the body may still be read: close() waits for it.
    expect(await settlesWithin(closing, 200)).toBe(false);
    clock.advance(1_999);
    expect(await settlesWithin(closing, 50)).toBe(false);
    clock.advance(1);
    await closing;
    await expect(res.text()).rejects.toThrow(TypeError);
    expect(await resources.settled()).toEqual([]);
  });

  it('does the same for an unread request() body', async () => {
    const clock = new ManualClock();
    const client = createClient({ service: 'svc', endpoints: [loopback.fleet.urls[0]!], retry: false, clock });
    const reply = await client.request({ path: `/bytes/${ONE_MIB}` });
    const closing = client.close();
    expect(await settlesWithin(closing, 100)).toBe(false);
    clock.advance(5_000); // the default grace period
    await closing;
    await expect(reply.body.text()).rejects.toThrow();
  });

  it('resolves without waiting when every body was read', async () => {
    const clock = new ManualClock();
    const client = createClient({ service: 'svc', endpoints: [loopback.fleet.urls[0]!], retry: false, clock });
    await (await client.fetch(`/bytes/${ONE_MIB}`)).arrayBuffer();
    await client.close();
    expect(clock.pendingTimers).toBe(0);
  });

  it('refuses a negative transport.closeGrace, naming it', () => {
    expect(() => createClient({ service: 'svc', endpoints: [loopback.fleet.urls[0]!], transport: { closeGrace: -1 } })).toThrow(ConfigError);
    expect(() => createClient({ service: 'svc', endpoints: [loopback.fleet.urls[0]!], transport: { closeGrace: -1 } })).toThrow('transport.closeGrace');
  });
});

import { describe, expect, it } from 'vitest';
import { BALANCER_NAMES, maglev, ManualClock, p2c, seededRng } from '../../src/index.js';
import { useLoopbackClients } from '../support/loopback-clients.js';

const loopback = useLoopbackClients(3);

async function serverOf(res: Response): Promise<string> {
  await res.arrayBuffer();
  return res.headers.get('x-server')!;
}

describe('balancers through createClient, against loopback servers', () => {
  it.each(BALANCER_NAMES)('%s is selectable by name and serves calls', async (balancer) => {
    const client = loopback.client({ service: 'svc', endpoints: loopback.fleet.urls, balancer, rng: seededRng(1) });
    for (let i = 0; i < 6; i++) expect((await client.fetch('/echo', { key: `user-${i}` })).status).toBe(200);
  });

  it('maglev sends every call with the same hash header to the same server', async () => {
    const client = loopback.client({ service: 'svc', endpoints: loopback.fleet.urls, balancer: 'maglev', hashHeader: 'x-user' });
    const byUser = new Map<string, Set<string>>();
    for (let i = 0; i < 30; i++) {
      const user = `user-${i % 10}`;
      const server = await serverOf(await client.fetch('/echo', { headers: { 'x-user': user } }));
      byUser.set(user, (byUser.get(user) ?? new Set()).add(server));
    }
    expect([...byUser.values()].every((set) => set.size === 1)).toBe(true);
    expect(new Set([...byUser.values()].map((set) => [...set][0])).size).toBeGreaterThan(1);
  });

  it('ring-hash routes by the per-call key option, as a Balancer object', async () => {
    const client = loopback.client({ service: 'svc', endpoints: loopback.fleet.urls, balancer: maglev({ tableSize: 1_009 }) });
    const first = await serverOf(await client.fetch('/echo', { key: 'cart-42' }));
    for (let i = 0; i < 5; i++) expect(await serverOf(await client.fetch('/echo', { key: 'cart-42' }))).toBe(first);
  });

  it('p2c steers away from a server that answers 503 with Retry-After, before any breaker opens', async () => {
    const client = loopback.client({
      service: 'svc',
      endpoints: loopback.fleet.urls,
      balancer: p2c(),
      retry: false,
      breaker: false,
      rng: seededRng(4),
      clock: new ManualClock(),
    });
    await loopback.fleet.setMode(0, { status: 503, retryAfter: '30' });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await client.fetch('/echo');
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses.filter((s) => s === 503)).toHaveLength(1);
    expect((await loopback.fleet.stats(0)).requests).toBe(1);
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConcurrencyLimitedError, createMesh, seededRng, TimeoutError, type Mesh, type MeshConfig, type MeshOptions } from '../../src/index.js';
import { startLoopbackFleet, type LoopbackFleet } from '../support/loopback.js';
import { watchResources } from '../support/resource-watch.js';

// Four real servers: 0-2 run v1, 3 runs v2 (the canary).
let fleet: LoopbackFleet;
const open: Mesh[] = [];
beforeAll(async () => {
  fleet = await startLoopbackFleet(4);
});
afterAll(() => fleet?.stop());
afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.close()));
  await fleet.reset();
});

function payments(extra: Partial<MeshConfig['services'][string]> = {}): MeshConfig {
  return {
    services: {
      payments: {
        endpoints: fleet.urls.map((url, i) => ({ url, tags: { version: i < 3 ? 'v1' : 'v2' } })),
        subsets: { v1: { tags: { version: 'v1' } }, v2: { tags: { version: 'v2' } } },
        ...extra,
      },
    },
  };
}

function mesh(config: MeshConfig, options: Omit<MeshOptions, 'config'> = {}): Mesh {
  const m = createMesh({ config, rng: seededRng(7), tracing: false, ...options });
  open.push(m);
  return m;
}

/** Sends `n` GETs through `send`, `concurrency` at a time; returns how many each server answered. */
async function spread(n: number, concurrency: number, send: (i: number) => Promise<Response>): Promise<number[]> {
  const served = [0, 0, 0, 0];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const res = await send(next++);
        await res.arrayBuffer();
        served[Number(res.headers.get('x-server'))]!++;
      }
    }),
  );
  return served;
}

describe('routing through a mesh (loopback servers)', () => {
  it('splits a 90/10 canary within 1.5 points over 20 000 calls, and spreads v1 over its three endpoints', async () => {
    const m = mesh(payments({ routes: [{ name: 'canary', split: [{ subset: 'v1', weight: 90 }, { subset: 'v2', weight: 10 }] }] }));
    const served = await spread(20_000, 64, () => m.fetch('http://payments/v1/items'));
    const canaryShare = (served[3]! / 20_000) * 100;
    expect(Math.abs(canaryShare - 10)).toBeLessThanOrEqual(1.5);
    for (const i of [0, 1, 2]) expect(Math.abs(served[i]! / 20_000 - 0.3)).toBeLessThan(0.02);
  }, 120_000);

  it('sends only calls that match a header route to its subset; the others take the default route', async () => {
    const m = mesh(payments({ routes: [{ name: 'beta', match: { headers: [{ name: 'x-beta', exact: '1' }] }, subset: 'v2' }] }));
    const client = m.client('payments');
    const beta = await spread(200, 8, () => client.fetch('/x', { headers: { 'X-Beta': '1' } }));
    const others = await spread(300, 8, (i) => client.fetch('/x', { headers: i % 2 ? { 'x-beta': '0' } : {} }));
    expect(beta).toEqual([0, 0, 0, 200]);
    // The default route is the whole service: round-robin over all four.
    expect(others.every((n) => n === 75)).toBe(true);
  });

  it('applies a route timeout only to its own calls', async () => {
    const m = mesh(payments({ retry: false, routes: [{ name: 'fast', match: { path: { prefix: '/delay/' }, method: 'GET' }, timeout: { attempt: 50 } }] }));
    const client = m.client('payments');
    const error = await client.request({ path: '/delay/300' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ kind: 'attempt', timeoutMs: 50 });
    // Not matched (POST): the service's 10 s attempt timeout.
    const slow = await client.request({ method: 'POST', path: '/delay/300', body: 'x' });
    expect(slow.statusCode).toBe(200);
    await slow.body.dump();
  });

  it('applies a route retry policy only to its own calls, and keeps retries in the subset picked', async () => {
    await fleet.setMode(3, { status: 503 });
    const m = mesh(
      payments({
        retry: { retries: 2, backoff: { initial: 1, max: 1 }, budget: false },
        routes: [
          { name: 'once', match: { path: { prefix: '/once' } }, retry: false },
          { name: 'canary', match: { path: { prefix: '/canary' } }, subset: 'v2' },
        ],
      }),
    );
    const client = m.client('payments');
    const canary = await client.request({ path: '/canary' });
    expect(canary.statusCode).toBe(503);
    await canary.body.dump();
    // Three attempts, all in the v2 subset, though v1 has healthy endpoints.
    expect((await fleet.stats(3)).requests).toBe(3);
    expect([(await fleet.stats(0)).requests, (await fleet.stats(1)).requests, (await fleet.stats(2)).requests]).toEqual([0, 0, 0]);
    await fleet.reset();
    await fleet.setMode(0, { status: 503 });
    await fleet.setMode(1, { status: 503 });
    await fleet.setMode(2, { status: 503 });
    await fleet.setMode(3, { status: 503 });
    const once = await client.request({ path: '/once' });
    expect(once.statusCode).toBe(503);
    await once.body.dump();
    let total = 0;
    for (const i of [0, 1, 2, 3]) total += (await fleet.stats(i)).requests;
    expect(total).toBe(1);
  });

  it('shares one cluster among every client of a service: one fleet, one set of counters', async () => {
    const m = mesh(payments());
    const a = m.client('payments');
    const b = m.client('payments');
    await (await a.request({ path: '/' })).body.dump();
    await (await b.request({ path: '/' })).body.dump();
    await (await m.fetch('http://payments/')).arrayBuffer();
    const requests = (stats: { requests: number }[]) => stats.reduce((sum, s) => sum + s.requests, 0);
    expect(requests(a.stats())).toBe(3);
    expect(requests(b.stats())).toBe(3);
    expect(requests(m.stats().services.payments!.endpoints)).toBe(3);
    expect(m.stats().services.payments!.subsets).toEqual({ v1: a.stats().slice(0, 3).map((s) => s.id), v2: [a.stats()[3]!.id] });
  });

  it('routes by host to each of several services, and refuses a host it does not know', async () => {
    const m = mesh({ services: { alpha: { endpoints: [fleet.urls[0]!] }, beta: { endpoints: [fleet.urls[1]!] } } });
    const a = await m.fetch('http://alpha/echo');
    const b = await m.fetch('http://BETA/echo');
    expect([(await a.json()).server, (await b.json()).server]).toEqual([0, 1]);
    await expect(m.fetch('http://gamma/x')).rejects.toMatchObject({ code: 'SWITCHYARD_NO_ENDPOINTS' });
    await expect(m.fetch('/relative')).rejects.toMatchObject({ code: 'SWITCHYARD_INVALID_REQUEST' });
  });

  it("caps a subset's ejections on its own: a two-endpoint subset keeps one endpoint in", async () => {
    const config = payments({
      subsets: { pair: { tags: { pair: 'yes' } } },
      routes: [{ name: 'pair', subset: 'pair' }],
      retry: false,
      breaker: { volumeThreshold: 2, errorThresholdPercentage: 10, maxEjectionPercent: 100 },
    });
    const svc = config.services.payments!;
    svc.endpoints = fleet.urls.map((url, i) => ({ url, tags: (i < 2 ? { pair: 'yes' } : {}) as Record<string, string> }));
    svc.subsets = { pair: { tags: { pair: 'yes' }, maxEjectionPercent: 50 } };
    await fleet.setMode(0, { status: 503 });
    await fleet.setMode(1, { status: 503 });
    const m = mesh(config);
    const client = m.client('payments');
    for (let i = 0; i < 20; i++) await (await client.request({ path: '/' })).body.dump();
    const states = client.stats().slice(0, 2).map((s) => s.state);
    expect(states.filter((s) => s !== 'healthy')).toHaveLength(1);
  });

  it('rolls back to exactly the previous routing', async () => {
    const m = mesh(payments({ routes: [{ name: 'all-v1', subset: 'v1' }] }));
    const client = m.client('payments');
    m.apply(payments({ routes: [{ name: 'all-v2', subset: 'v2' }] }));
    expect(await spread(20, 4, () => client.fetch('/'))).toEqual([0, 0, 0, 20]);
    m.rollback();
    const served = await spread(30, 4, () => client.fetch('/'));
    expect(served).toEqual([10, 10, 10, 0]);
  });

  it('lets a call in flight finish on the generation it started on, whatever the next one changes', async () => {
    const m = mesh(payments({ retry: false }));
    const client = m.client('payments');
    const inFlight = [0, 1, 2, 3].map(() => client.request({ path: '/delay/200' }));
    await new Promise((r) => setTimeout(r, 50));
    // A new cluster (other breaker settings) with one endpoint left: the old cluster serves its calls to the end.
    m.apply({ services: { payments: { endpoints: [fleet.urls[3]!], breaker: { volumeThreshold: 3 } } } });
    const replies = await Promise.all(inFlight);
    expect(replies.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    expect(new Set(replies.map((r) => r.endpoint)).size).toBe(4);
    await Promise.all(replies.map((r) => r.body.text()));
    expect(client.stats().map((s) => s.url)).toEqual([fleet.urls[3]]);
    const next = await client.request({ path: '/' });
    expect(next.endpoint).toBe(fleet.urls[3]);
    await next.body.dump();
  });

  it('keeps a concurrency limit\'s state across a reload that configures it the same', async () => {
    const config = () => payments({ retry: false, concurrencyLimit: { algorithm: 'fixed', limit: 1 } });
    const m = mesh(config());
    const client = m.client('payments');
    const slow = client.request({ path: '/delay/300' });
    await new Promise((r) => setTimeout(r, 50));
    // An equal config, parsed anew: the same limit, whose one slot the slow call holds.
    m.apply(config());
    await expect(client.request({ path: '/' })).rejects.toThrow(ConcurrencyLimitedError);
    await (await slow).body.dump();
    const after = await client.request({ path: '/' });
    expect(after.statusCode).toBe(200);
    await after.body.dump();
  });

  it('closes every socket and timer of every cluster on close()', async () => {
    const watch = watchResources();
    const m = createMesh({ config: payments({ routes: [{ split: [{ subset: 'v1', weight: 1 }, { subset: 'v2', weight: 1 }] }] }), tracing: false });
    await spread(40, 4, () => m.fetch('http://payments/'));
    await m.close();
    expect(await watch.settled()).toEqual([]);
    await expect(m.fetch('http://payments/')).rejects.toMatchObject({ code: 'SWITCHYARD_CLIENT_CLOSED' });
  });
});

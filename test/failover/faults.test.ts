/**
 * The failover fault suite (issue 11): each fault made by real servers in a child process on
 * 127.0.0.1, on real sockets, against the whole client. Bounds on wall time are generous (a
 * loaded 2-core machine stops processes for 20–50 ms at a time); counts are exact.
 */
import { describe, expect, it } from 'vitest';
import type { Client, ResponseData } from '../../src/index.js';
import { FAULT_SERVER, type LoopbackFleet } from '../support/loopback.js';
import { useLoopbackClients } from '../support/loopback-clients.js';
import { watchResources } from '../support/resource-watch.js';

/** Requests both servers of `fleet` saw. */
async function seen(fleet: LoopbackFleet, count: number): Promise<number> {
  let n = 0;
  for (let i = 0; i < count; i++) n += (await fleet.stats(i)).requests;
  return n;
}

/** Index of the server that answered (its `x-server` header). */
const server = (res: ResponseData): number => Number(res.headers['x-server']);

/** Sends `calls` GETs of `path` from `workers` concurrent loops; resolves with the servers that answered, in order. */
async function load(client: Client, path: string, calls: number, workers: number): Promise<number[]> {
  const answered: number[] = [];
  let left = calls;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (left-- > 0) {
        const res = await client.request({ path });
        await res.body.dump();
        answered.push(server(res));
      }
    }),
  );
  return answered;
}

const shareOf = (answered: readonly number[], index: number): number => answered.filter((s) => s === index).length / answered.length;

describe('faults made by the server: resets, truncation, stalls', () => {
  const loopback = useLoopbackClients(2, FAULT_SERVER);
  const options = { service: 'svc', balancer: 'round-robin', breaker: false } as const;

  it('a reset before any response byte: a GET is retried on every endpoint and rejects with the connection error; a POST the server received is sent once', async () => {
    const { fleet } = loopback;
    const client = loopback.client({ ...options, endpoints: fleet.urls });
    await expect(client.request({ path: '/reset-before' })).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(await seen(fleet, 2)).toBe(3);
    await fleet.reset();
    await expect(client.request({ method: 'POST', path: '/reset-before', body: 'charge' })).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(await seen(fleet, 2)).toBe(1);
  });

  it('a reset mid-body: the reply is handed over, reading its body rejects, and the call is not retried', async () => {
    const { fleet } = loopback;
    const client = loopback.client({ ...options, endpoints: fleet.urls });
    const res = await client.request({ path: '/reset-mid/65536' });
    expect(res.statusCode).toBe(200);
    await expect(res.body.text()).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(await seen(fleet, 2)).toBe(1);
  });

  it('truncation (content-length 10, 3 bytes, then the end of the connection): reading the body rejects', async () => {
    const { fleet } = loopback;
    const client = loopback.client({ ...options, endpoints: fleet.urls });
    const res = await client.request({ path: '/bad-length' });
    await expect(res.body.text()).rejects.toThrow();
    expect(await seen(fleet, 2)).toBe(1);
  });

  it('a stall: each attempt ends at the attempt timeout, is retried elsewhere, and the call rejects with TimeoutError; the servers see every abort', async () => {
    const { fleet } = loopback;
    const client = loopback.client({ ...options, endpoints: fleet.urls, timeout: { attempt: 200, total: 10_000 } });
    const started = performance.now();
    await expect(client.request({ path: '/hang' })).rejects.toMatchObject({ code: 'SWITCHYARD_TIMEOUT', kind: 'attempt' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(3 * 200 - 5);
    expect(await seen(fleet, 2)).toBe(3);
    await expect.poll(async () => (await fleet.stats(0)).aborted + (await fleet.stats(1)).aborted).toBe(3);
  });

  it('after 210 calls under mixed faults from 6 workers every call settled with a reply or a coded error, and a closed client leaves no timer or socket behind', async () => {
    const { fleet } = loopback;
    const watch = watchResources();
    const client = loopback.client({ ...options, endpoints: fleet.urls, timeout: { attempt: 300, total: 5_000 }, retry: { budget: false } });
    const paths = ['/ok', '/reset-before', '/reset-mid/8192', '/bad-length', '/hang', '/status/503', '/slow/3/5'];
    const outcomes: PromiseSettledResult<string>[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        for (let i = next++; i < 210; i = next++) {
          const path = paths[i % paths.length]!;
          outcomes[i] = await client.request({ path }).then((res) => res.body.text()).then(
            (value) => ({ status: 'fulfilled', value }),
            (reason: unknown) => ({ status: 'rejected', reason }),
          );
        }
      }),
    );
    const byPath = (path: string) => outcomes.filter((_, i) => paths[i % paths.length] === path);
    expect(outcomes.filter(Boolean)).toHaveLength(210);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(typeof (outcome.reason as { code?: unknown }).code).toBe('string');
    }
    for (const path of ['/ok', '/status/503', '/slow/3/5']) expect(byPath(path).every((o) => o.status === 'fulfilled')).toBe(true);
    for (const path of ['/reset-before', '/reset-mid/8192', '/bad-length', '/hang']) expect(byPath(path).every((o) => o.status === 'rejected')).toBe(true);
    await client.close();
    expect(await watch.settled()).toEqual([]);
  });
});

describe('endpoints that refuse, slow down and come back', () => {
  const loopback = useLoopbackClients(3);

  it('while one of three endpoints refuses connections every GET and POST succeeds, and it takes traffic again once it listens', async () => {
    const { fleet } = loopback;
    const client = loopback.client({ service: 'svc', endpoints: fleet.urls, balancer: 'peak-ewma', breaker: { resetTimeout: 500 } });
    await fleet.setMode(0, { down: true });
    await load(client, '/ok', 200, 4);
    for (let i = 0; i < 20; i++) {
      const res = await client.request({ method: 'POST', path: '/echo', body: `charge ${i}` });
      expect(res.statusCode).toBe(200);
      await res.body.dump();
    }
    await fleet.setMode(0, {});
    const back = performance.now();
    await expect
      .poll(async () => shareOf(await load(client, '/ok', 60, 3), 0), { timeout: 15_000, interval: 100 })
      .toBeGreaterThan(0.1);
    // Generous: the breaker's 500 ms wait plus the staleness limit of 2 s, on a loaded machine.
    expect(performance.now() - back).toBeLessThan(10_000);
  });

  it('a dead endpoint is ejected after 5 refused attempts in a row (consecutive5xx), long before the window could say so', async () => {
    const { fleet } = loopback;
    const client = loopback.client({ service: 'svc', endpoints: fleet.urls, balancer: 'round-robin' });
    let ejected: number | undefined;
    client.on('endpoint-ejected', (e) => {
      if (e.url === fleet.urls[0]) ejected ??= client.stats()[0]!.failures;
    });
    await load(client, '/ok', 30, 1);
    await fleet.setMode(0, { down: true });
    for (let i = 0; i < 30 && ejected === undefined; i++) await load(client, '/ok', 1, 1);
    expect(ejected).toBe(5);
    expect(client.stats()[0]!.state).toBe('ejected');
  });

  it('a slow start (150 ms for its first second, then fast): peak-ewma steers off it, then gives it its share back within a few seconds', async () => {
    const { fleet } = loopback;
    const client = loopback.client({ service: 'svc', endpoints: fleet.urls, balancer: 'peak-ewma', breaker: false });
    await fleet.setMode(0, { delayMs: 150 });
    const slow = await load(client, '/ok', 300, 4);
    expect(shareOf(slow.slice(50), 0)).toBeLessThan(0.1);
    await fleet.setMode(0, {});
    const back = performance.now();
    await expect
      .poll(async () => shareOf(await load(client, '/ok', 90, 3), 0), { timeout: 15_000, interval: 100 })
      .toBeGreaterThan(0.2);
    expect(performance.now() - back).toBeLessThan(10_000);
  });

  it('a 30× slower node is not ejected (its calls succeed) but latency-aware balancing gives it a small share; round-robin gives it a third', async () => {
    const { fleet } = loopback;
    await fleet.setMode(0, { delayMs: 30 });
    const ewma = loopback.client({ service: 'svc', endpoints: fleet.urls, balancer: 'peak-ewma' });
    const answered = await load(ewma, '/ok', 300, 4);
    expect(shareOf(answered.slice(50), 0)).toBeLessThan(0.1);
    expect(ewma.stats()[0]!.state).toBe('healthy');
    const rr = loopback.client({ service: 'svc', endpoints: fleet.urls, balancer: 'round-robin' });
    expect(shareOf(await load(rr, '/ok', 90, 3), 0)).toBeGreaterThan(0.3);
  });
});

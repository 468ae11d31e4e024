import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { useLoopbackClients } from '../support/loopback-clients.js';

// Issue 11 item 9: 36–81 POSTs failed per 2 s outage though nothing had been sent.
describe('a call whose request provably never left is retried whatever its method', () => {
  const loopback = useLoopbackClients(2);

  it('every POST succeeds while one of two endpoints refuses connections, and each reaches the server once', async () => {
    const { fleet } = loopback;
    await fleet.setMode(0, { down: true });
    const client = loopback.client({ service: 'svc', endpoints: fleet.urls, balancer: 'round-robin', breaker: false });
    const ids = Array.from({ length: 20 }, (_, i) => `post-${i}`);
    const statuses = [];
    for (const id of ids) {
      const res = await client.fetch('/echo', { method: 'POST', body: `charge ${id}`, headers: { 'x-request-id': id } });
      statuses.push(res.status);
      expect((await res.json()).body).toBe(`charge ${id}`);
    }
    expect(statuses).toEqual(ids.map(() => 200));
    expect((await fleet.stats(1)).requestIds).toEqual(ids);
    // Round-robin sent about half of the first attempts to the refusing endpoint.
    expect(client.stats()[0]!.failures).toBeGreaterThanOrEqual(5);
  });

  it('a POST the server received and reset is not retried', async () => {
    const { fleet } = loopback;
    await fleet.setMode(0, { reset: true });
    await fleet.setMode(1, { reset: true });
    const client = loopback.client({ service: 'svc', endpoints: fleet.urls, balancer: 'round-robin', breaker: false });
    await expect(client.request({ method: 'POST', path: '/echo', body: 'charge', headers: { 'x-request-id': 'once' } })).rejects.toThrow();
    const seen = (await fleet.stats(0)).requests + (await fleet.stats(1)).requests;
    expect(seen).toBe(1);
  });

  it('a POST with a stream body is not retried after a refused connect (the stream cannot be replayed)', async () => {
    const { fleet } = loopback;
    await fleet.setMode(0, { down: true });
    await fleet.setMode(1, { down: true });
    const client = loopback.client({ service: 'svc', endpoints: fleet.urls, balancer: 'round-robin', breaker: false });
    let attempts = 0;
    client.on('retry', () => attempts++);
    await expect(client.request({ method: 'POST', path: '/echo', body: Readable.from(['a', 'b']) })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(attempts).toBe(0);
  });

  it('a refused POST is retried within the retry limit: three attempts when both endpoints refuse', async () => {
    const { fleet } = loopback;
    await fleet.setMode(0, { down: true });
    await fleet.setMode(1, { down: true });
    const client = loopback.client({ service: 'svc', endpoints: fleet.urls, balancer: 'round-robin', breaker: false });
    let retries = 0;
    client.on('retry', () => retries++);
    await expect(client.request({ method: 'POST', path: '/echo', body: 'charge' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(retries).toBe(2);
  });
});

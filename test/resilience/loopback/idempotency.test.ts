import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClient, UnreplayableBodyError } from '../../../src/index.js';
import { startLoopbackFleet, type LoopbackFleet } from '../../support/loopback.js';
import { watchResources } from '../../support/resource-watch.js';

let fleet: LoopbackFleet;
beforeAll(async () => {
  fleet = await startLoopbackFleet(3);
});
afterAll(() => fleet.stop());
beforeEach(() => fleet.reset());

async function idsSeen(): Promise<string[]> {
  const stats = await Promise.all([0, 1, 2].map((i) => fleet.stats(i)));
  return stats.flatMap((s) => s.requestIds).sort();
}

describe('what is safe to send twice', () => {
  it('never sends a POST without an idempotency key twice, whether it got a 503, a reset or a timeout', async () => {
    await fleet.setMode(0, { status: 503 });
    await fleet.setMode(1, { reset: true });
    await fleet.setMode(2, { hang: true });
    const resources = watchResources();
    const client = createClient({ service: 'svc', endpoints: fleet.urls, retry: { retries: 2 }, timeout: { attempt: 100 } });
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const id = `post-${i}`;
      ids.push(id);
      await client.fetch('/echo', { method: 'POST', body: 'charge', headers: { 'x-request-id': id } }).then(
        (res) => res.arrayBuffer(),
        () => undefined,
      );
    }
    expect(await idsSeen()).toEqual(ids.sort());
    await client.close();
    expect(await resources.settled()).toEqual([]);
  });

  it('retries a POST that carries an Idempotency-Key header, on another endpoint', async () => {
    await fleet.setMode(0, { status: 503 });
    const resources = watchResources();
    const client = createClient({ service: 'svc', endpoints: fleet.urls, retry: { retries: 2 } });
    const res = await client.fetch('/echo', { method: 'POST', body: 'charge', headers: { 'x-request-id': 'keyed', 'idempotency-key': 'k-1' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ server: 1, body: 'charge' });
    expect(await idsSeen()).toEqual(['keyed', 'keyed']);
    await client.close();
    expect(await resources.settled()).toEqual([]);
  });

  it('does not replay a one-shot stream body that failed, and says how to make the call retryable', async () => {
    await fleet.setMode(0, { reset: true });
    const resources = watchResources();
    const client = createClient({ service: 'svc', endpoints: fleet.urls, retry: { retries: 2 } });
    const error = await client
      .request({ method: 'PUT', path: '/echo', body: Readable.from([Buffer.from('part 1'), Buffer.from('part 2')]), headers: { 'x-request-id': 'stream' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreplayableBodyError);
    expect((error as Error).message).toMatch(/one-shot stream.*pass a string, Buffer, Uint8Array or Blob/);
    expect((error as Error).cause).toMatchObject({ code: expect.stringMatching(/UND_ERR_SOCKET|ECONNRESET|EPIPE/) });
    expect(await idsSeen()).toEqual(['stream']);
    await client.close();
    expect(await resources.settled()).toEqual([]);
  });
});

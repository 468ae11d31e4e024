import { Readable } from 'node:stream';
import { Pool } from 'undici';
import { describe, expect, it } from 'vitest';
import { ManualClock, TimeoutError, type Client, type ClientOptions } from '../../src/index.js';
import { useLoopbackClients } from '../support/loopback-clients.js';

const loopback = useLoopbackClients(1);

const TEN_MB = 10 * 1024 * 1024;

/** A client with one endpoint and only the transport below the pick (no tracing, breaker or retry). */
function bareClient(options: Partial<ClientOptions> = {}): Client {
  return loopback.client({ service: 'svc', endpoints: [loopback.fleet.urls[0]!], tracing: false, breaker: false, retry: false, ...options });
}

/** Destroys a body being streamed and waits until the server has seen it go, so no test sees another's abort. */
async function closeStream(body: { destroy(): void }): Promise<void> {
  const before = (await loopback.fleet.stats(0)).aborted;
  body.destroy();
  await expect.poll(async () => (await loopback.fleet.stats(0)).aborted, { timeout: 5_000 }).toBe(before + 1);
}

/** Lets socket and timer callbacks run. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('the attempt timeout', () => {
  it('also runs while the request waits for a connection, and fails it at its deadline', async () => {
    const clock = new ManualClock();
    const c = bareClient({ clock, transport: { connections: 1 }, timeout: { attempt: 1_000 } });
    // The only connection is busy streaming a body nobody reads.
    const first = await c.request({ path: `/bytes/${TEN_MB}` });
    let outcome: unknown;
    const second = c.request({ path: '/echo' }).then(
      () => (outcome = 'reply'),
      (error: unknown) => (outcome = error),
    );
    clock.advance(999);
    await turn();
    expect(outcome).toBeUndefined();
    clock.advance(1);
    await second;
    expect(outcome).toBeInstanceOf(TimeoutError);
    expect(outcome).toMatchObject({ kind: 'attempt', timeoutMs: 1_000 });
    expect((await loopback.fleet.stats(0)).requests).toBe(1);
    await closeStream(first.body);
  });

  it('holds one timer per list however many calls run one after another, and none once it lapses', async () => {
    const clock = new ManualClock();
    const c = bareClient({ clock, timeout: { attempt: 1_000, total: 2_000 } });
    for (let i = 0; i < 3; i++) {
      const res = await c.request({ path: '/echo' });
      await res.body.dump();
    }
    const inFlight = c.request({ path: '/delay/20' });
    // The attempt timeouts' list and the bodies' list, each behind the timer of its first entry.
    expect(clock.pendingTimers).toBe(2);
    await (await inFlight).body.text();
    expect(clock.pendingTimers).toBe(2);
    clock.advance(2_000);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe("the caller's signal", () => {
  it('settles a call still queued for a connection at once, with its reason', async () => {
    const c = bareClient({ transport: { connections: 1 } });
    const first = await c.request({ path: `/bytes/${TEN_MB}` });
    const controller = new AbortController();
    const queued = c.request({ path: '/echo', signal: controller.signal });
    controller.abort(new Error('caller gave up while queued'));
    await expect(queued).rejects.toThrow('caller gave up while queued');
    expect((await loopback.fleet.stats(0)).requests).toBe(1);
    await closeStream(first.body);
  });

  it('cancels a body that is being read, with its reason, and the server sees the abort', async () => {
    const c = bareClient();
    const controller = new AbortController();
    const res = await c.request({ path: `/bytes/${TEN_MB}`, signal: controller.signal });
    const chunks = res.body[Symbol.asyncIterator]();
    expect((await chunks.next()).done).toBe(false);
    controller.abort(new Error('caller stopped reading'));
    await expect(chunks.next()).rejects.toThrow('caller stopped reading');
    await expect.poll(async () => (await loopback.fleet.stats(0)).aborted, { timeout: 5_000 }).toBe(1);
    expect((await loopback.fleet.stats(0)).streamsFinished).toBe(0);
  });
});

describe('the reply body', () => {
  it("is undici's own response body, with its reading API", async () => {
    const pool = new Pool(loopback.fleet.urls[0]!);
    const raw = await pool.request({ method: 'GET', path: '/echo' });
    await raw.body.dump();
    await pool.close();

    const c = bareClient();
    const res = await c.request({ path: '/echo?api=1' });
    expect(Object.getPrototypeOf(res.body)).toBe(Object.getPrototypeOf(raw.body));
    expect(res.body.bodyUsed).toBe(false);
    const blob = await res.body.blob();
    expect(blob.type).toBe('application/json');
    expect(JSON.parse(await blob.text())).toMatchObject({ path: '/echo?api=1' });
    expect(res.body.bodyUsed).toBe(true);

    const bytes = await (await c.request({ path: `/bytes/${100_000}` })).body.bytes();
    expect(bytes.byteLength).toBe(100_000);
    const buffer = await (await c.request({ path: '/bytes/10' })).body.arrayBuffer();
    expect(new TextDecoder().decode(buffer)).toBe('x'.repeat(10));
    const stream = (await c.request({ path: '/echo' })).body.body as unknown as ReadableStream<Uint8Array>;
    expect(await new Response(stream).json()).toMatchObject({ method: 'GET' });
  });

  it('reports no body length for a HEAD reply, and reads as empty', async () => {
    const c = bareClient();
    const res = await c.request({ method: 'HEAD', path: '/bytes/1000' });
    expect(res.headers['content-length']).toBe('1000');
    expect(await res.body.text()).toBe('');
  });
});

describe('a failed attempt', () => {
  it('releases a one-shot stream request body', async () => {
    await loopback.fleet.setMode(0, { reset: true });
    const c = bareClient();
    const body = new Readable({ read() {} });
    body.push('part of a body that never ends');
    await expect(c.request({ method: 'POST', path: '/echo', body })).rejects.toBeInstanceOf(Error);
    expect(body.destroyed).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, ManualClock, TimeoutError, type ClientOptions } from '../../src/index.js';
import { FAULT_SERVER } from '../support/loopback.js';
import { useLoopbackClients } from '../support/loopback-clients.js';

const loopback = useLoopbackClients(1, FAULT_SERVER);

/** A body of 400 one-byte chunks, one every 25 ms: ten seconds of real time, far past every deadline below. */
const SLOW = '/slow/400/25';

function slowClient(clock: ManualClock, timeout: ClientOptions['timeout']) {
  return loopback.client({ service: 'svc', endpoints: [loopback.fleet.urls[0]!], retry: false, clock, timeout });
}

/** Reads a web stream to its end; resolves to the byte count or rejects with what errored it. */
async function drain(body: ReadableStream<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const chunk of body) n += chunk.byteLength;
  return n;
}

describe('the deadline of a response body', () => {
  it.each([
    ['timeout.total, by default', { total: 1_000 }, 'total', 1_000],
    ['timeout.body when it comes first', { total: 60_000, body: 1_000 }, 'body', 1_000],
    ['timeout.total when it comes before timeout.body', { total: 1_000, body: 60_000 }, 'total', 1_000],
  ] as const)('%s bounds reading a fetch body: it errors with TimeoutError and the server sees the abort', async (_name, timeout, kind, ms) => {
    const clock = new ManualClock();
    const res = await slowClient(clock, timeout).fetch(SLOW);
    const reader = res.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    clock.advance(ms);
    const error = await (async () => {
      for (;;) if ((await reader.read()).done) return undefined;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ kind, timeoutMs: ms });
    await expect.poll(async () => (await loopback.fleet.stats(0)).aborted, { timeout: 5_000 }).toBe(1);
  });

  it('bounds a request() body the same way', async () => {
    const clock = new ManualClock();
    const reply = await slowClient(clock, { total: 2_000 }).request({ path: SLOW });
    const text = reply.body.text();
    clock.advance(2_000);
    await expect(text).rejects.toMatchObject({ name: 'TimeoutError', kind: 'total', timeoutMs: 2_000 });
  });

  it('lets a body read before its deadline end normally, and leaves no timer armed', async () => {
    const clock = new ManualClock();
    const client = slowClient(clock, { total: 60_000, body: 30_000 });
    // The client's own timers (breaker windows and the like), armed by a first call.
    await (await client.fetch('/ok')).text();
    const before = clock.pendingTimers;
    const res = await client.fetch('/slow/4/5');
    expect(await drain(res.body!)).toBe(4);
    expect(clock.pendingTimers).toBe(before);
  });

  it('refuses a timeout.body that is not a positive number, naming it', () => {
    expect(() => loopback.client({ service: 'svc', endpoints: [loopback.fleet.urls[0]!], timeout: { body: 0 } })).toThrow(ConfigError);
    expect(() => loopback.client({ service: 'svc', endpoints: [loopback.fleet.urls[0]!], timeout: { body: 0 } })).toThrow('timeout.body');
  });
});

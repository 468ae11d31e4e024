/**
 * Hostile responses: a backend that resets, lies about its length, floods headers, stalls or
 * trickles makes a call fail with a typed error (or succeed), never with an uncaught exception.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_SERVER } from '../support/loopback.js';
import { useLoopbackClients } from '../support/loopback-clients.js';
import { isTypedError } from '../support/typed-error.js';
import { watchUncaught, type UncaughtWatch } from '../support/uncaught.js';

const loopback = useLoopbackClients(1, FAULT_SERVER);
const client = () => loopback.client({ service: 'svc', endpoints: loopback.fleet.urls, retry: false, breaker: false, timeout: { attempt: 500, total: 2_000 } });

let uncaught: UncaughtWatch;
beforeAll(() => {
  uncaught = watchUncaught();
});
afterAll(() => {
  uncaught.stop();
  expect(uncaught.seen).toEqual([]);
});

/** Reads a whole fetch Response; what it settles with. */
async function viaFetch(path: string): Promise<unknown> {
  try {
    const res = await client().fetch(path);
    return { status: res.status, bytes: (await res.arrayBuffer()).byteLength };
  } catch (error) {
    return error;
  }
}

async function viaRequest(path: string): Promise<unknown> {
  try {
    const res = await client().request({ path });
    return { status: res.statusCode, bytes: (await res.body.arrayBuffer()).byteLength };
  } catch (error) {
    return error;
  }
}

describe.each([
  ['fetch', viaFetch],
  ['request', viaRequest],
])('client.%s', (_, send) => {
  it.each([
    ['a reset before the headers', '/reset-before'],
    ['a reset in the middle of the body', '/reset-mid/65536'],
    ['a body shorter than its content-length', '/bad-length'],
    ['20 000 headers', '/headers/20000'],
    ['no answer at all (attempt timeout)', '/hang'],
  ])('fails with a typed error on %s (the backend saw one request)', async (_, path) => {
    const outcome = await send(path);
    expect(outcome).toBeInstanceOf(Error);
    expect(isTypedError(outcome), String(outcome)).toBe(true);
    expect((await loopback.fleet.stats(0)).requests).toBe(1);
  });

  it.each([
    ['a body trickled a byte every 20 ms', '/slow/5/20', { status: 200, bytes: 5 }],
    ['an answer followed by the keep-alive socket closing', '/close', { status: 200, bytes: 2 }],
    ['an unknown content-encoding', '/encoded/bogus/100', { status: 200, bytes: 100 }],
    ['a 503', '/status/503', { status: 503, bytes: 10 }],
  ])('succeeds on %s', async (_, path, expected) => {
    expect(await send(path)).toEqual(expected);
  });
});

describe('cancelling a body', () => {
  it.each(['/bytes/2', '/bytes/1048576', '/reset-mid/65536', '/slow/50/10'])('of %s raises nothing and frees the connection', async (path) => {
    const c = client();
    for (let i = 0; i < 5; i++) {
      const res = await c.fetch(path);
      await res.body!.cancel();
    }
    const res = await c.fetch('/ok');
    expect(await res.text()).toBe('ok');
  });

  it('after reading one chunk raises nothing', async () => {
    const res = await client().fetch('/bytes/1048576');
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
  });
});

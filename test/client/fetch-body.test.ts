import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Client, ClientOptions, Middleware, ReplyBody } from '../../src/index.js';
import { toWebStream } from '../../src/http/web-body.js';
import { useLoopbackClients } from '../support/loopback-clients.js';
import { watchUncaught } from '../support/uncaught.js';

const loopback = useLoopbackClients(1);

const TEN_MB = 10 * 1024 * 1024;

function fetchClient(options: Partial<ClientOptions> = {}): Client {
  return loopback.client({ service: 'svc', endpoints: [loopback.fleet.urls[0]!], retry: false, ...options });
}

describe("client.fetch's response body", () => {
  it('hands out each chunk in a buffer of its own', async () => {
    const res = await fetchClient().fetch(`/bytes/${300_000}`);
    let total = 0;
    for await (const chunk of res.body!) {
      expect(chunk.buffer.byteLength).toBe(chunk.byteLength);
      total += chunk.byteLength;
    }
    expect(total).toBe(300_000);
  });

  it('aborts the response when the reader cancels it, and the server sees the abort', async () => {
    const res = await fetchClient().fetch(`/bytes/${TEN_MB}`);
    const reader = res.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    await reader.cancel();
    await expect.poll(async () => (await loopback.fleet.stats(0)).aborted, { timeout: 5_000 }).toBe(1);
    expect((await loopback.fleet.stats(0)).streamsFinished).toBe(0);
  });

  it("errors with the signal's reason when the caller aborts while it is read", async () => {
    const controller = new AbortController();
    const res = await fetchClient().fetch(`/bytes/${TEN_MB}`, { signal: controller.signal });
    const reader = res.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    controller.abort(new Error('caller left'));
    await expect(
      (async () => {
        for (;;) if ((await reader.read()).done) return;
      })(),
    ).rejects.toThrow('caller left');
    await expect.poll(async () => (await loopback.fleet.stats(0)).aborted, { timeout: 5_000 }).toBe(1);
  });

  it('errors, rather than hangs, when the body closes before its end', async () => {
    // A middleware hands back a body that stops without an error after its first chunk.
    const truncate: Middleware = async (call, next) => {
      const reply = await next(call);
      await reply.body.dump();
      const body = new Readable({ read() {} });
      body.push('half');
      setImmediate(() => body.destroy());
      return { ...reply, body: body as unknown as ReplyBody };
    };
    const res = await fetchClient({ middleware: [truncate] }).fetch('/echo');
    await expect(res.text()).rejects.toBeInstanceOf(Error);
  });

  it.each([2, 1 << 20])('raises no uncaught exception when a %i-byte body is cancelled unread', async (size) => {
    const uncaught = watchUncaught();
    const res = await fetchClient().fetch(`/bytes/${size}`);
    await res.body!.cancel();
    await new Promise((resolve) => setTimeout(resolve, 100));
    uncaught.stop();
    expect(uncaught.seen).toEqual([]);
  });

  it('errors at once when the body failed before the Response was built', async () => {
    const failed = new Readable({ read() {} });
    failed.on('error', () => {});
    failed.destroy(new Error('failed early'));
    await new Promise((resolve) => setImmediate(resolve));
    // As the global fetch reports a failed body: TypeError: terminated, the failure as its cause.
    await expect(new Response(toWebStream(failed as unknown as ReplyBody)).text()).rejects.toMatchObject({
      name: 'TypeError',
      message: 'terminated',
      cause: { message: 'failed early' },
    });

    const closed = new Readable({ read() {} });
    closed.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    await expect(new Response(toWebStream(closed as unknown as ReplyBody)).text()).rejects.toMatchObject({
      message: 'terminated',
      cause: { message: expect.stringContaining('closed before its end') },
    });
  });
});

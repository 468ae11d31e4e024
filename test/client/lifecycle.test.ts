import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientClosedError, createClient, TimeoutError, type RequestOptions } from '../../src/index.js';
import { startLoopbackFleet, type LoopbackFleet } from '../support/loopback.js';
import { watchResources } from '../support/resource-watch.js';

let fleet: LoopbackFleet;
beforeAll(async () => {
  fleet = await startLoopbackFleet(2);
});
afterAll(() => fleet.stop());

describe('timeouts and cancellation', () => {
  it('gives TimeoutError after the attempt timeout when the server never answers', async () => {
    const client = createClient({ service: 'svc', endpoints: [fleet.urls[0]!], timeout: { attempt: 200, total: 5_000 } });
    const error = await client.fetch('/hang').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: 'SWITCHYARD_TIMEOUT', kind: 'attempt', timeoutMs: 200 });
    await client.close();
  });

  it('bounds the call by the total deadline when it is shorter than the attempt timeout', async () => {
    const client = createClient({ service: 'svc', endpoints: [fleet.urls[0]!], timeout: { attempt: 5_000, total: 150 } });
    const error = await client.request({ path: '/hang' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SWITCHYARD_TIMEOUT', kind: 'total', timeoutMs: 150 });
    await client.close();
  });

  it("settles at once with the signal's reason when the caller aborts", async () => {
    const client = createClient({ service: 'svc', endpoints: [fleet.urls[1]!], timeout: { attempt: 30_000 } });
    const controller = new AbortController();
    const pending = client.fetch('/hang', { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('caller gave up')), 50);
    await expect(pending).rejects.toThrow('caller gave up');
    const already = AbortSignal.abort(new Error('aborted before'));
    await expect(client.request({ path: '/echo', signal: already })).rejects.toThrow('aborted before');
    await client.close();
    await expect.poll(async () => (await fleet.stats(1)).aborted).toBe(1);
  });

  it('rejects calls made after close()', async () => {
    const client = createClient({ service: 'svc', endpoints: fleet.urls });
    await client.close();
    await expect(client.fetch('/echo')).rejects.toBeInstanceOf(ClientClosedError);
    // A rejection, not a synchronous throw: the caller's promise chain sees it.
    const late = client.request({ path: '/echo' });
    await expect(late).rejects.toBeInstanceOf(ClientClosedError);
  });

  it('rejects request() options without a string path, as a rejected promise', async () => {
    const client = createClient({ service: 'svc', endpoints: fleet.urls });
    const bad = client.request({} as RequestOptions);
    await expect(bad).rejects.toMatchObject({ code: 'SWITCHYARD_INVALID_REQUEST' });
    await client.close();
  });
});

describe('close()', () => {
  it('leaves no sockets or timers behind', async () => {
    const resources = watchResources();
    const client = createClient({ service: 'svc', endpoints: fleet.urls, timeout: { attempt: 2_000 } });
    const replies = await Promise.all(Array.from({ length: 20 }, () => client.request({ path: '/echo' })));
    await Promise.all(replies.map((r) => r.body.dump()));
    await client.close();
    expect(await resources.settled()).toEqual([]);
  });

  it('lets a script that used it exit by itself', async () => {
    const script = fileURLToPath(new URL('../fixtures/exits-by-itself.ts', import.meta.url));
    // Without its disk cache, tsx starts no background pruning of that cache, whose directory reads
    // would show up among the script's active handles after a source file changed.
    const env = { ...process.env, TSX_DISABLE_CACHE: '1' };
    const child = spawn(process.execPath, ['--import', 'tsx', script, fleet.urls[0]!], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(out).toContain('status 200');
    expect(out, out).toContain('handles after close: []');
  });
});

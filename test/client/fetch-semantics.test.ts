import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { RedirectOutsideServiceError, type Client, type ClientOptions, type Middleware } from '../../src/index.js';
import { FAULT_SERVER } from '../support/loopback.js';
import { useLoopbackClients } from '../support/loopback-clients.js';

// Two fault servers: redirects that stay in the service go round the pipeline again, so to the other one.
const loopback = useLoopbackClients(2, FAULT_SERVER);

function client(options: Partial<ClientOptions> = {}): Client {
  return loopback.client({ service: 'svc', endpoints: loopback.fleet.urls, retry: false, ...options });
}

/** What the global fetch gives for `path` on the first server: the reference. */
function globalFetch(path: string, init?: RequestInit): Promise<Response> {
  return fetch(`${loopback.fleet.urls[0]}${path}`, init);
}

const hasZstd = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';
const CODINGS = ['gzip', 'x-gzip', 'deflate', 'deflate-raw', 'br', ...(hasZstd ? ['zstd'] : []), 'gzip,br', 'deflate,gzip', 'identity', 'bogus'];

describe('client.fetch decodes Content-Encoding as the global fetch does', () => {
  it.each(CODINGS.flatMap((coding) => [[coding, 4_340, ''] as const, [coding, 300_000, '?chunked'] as const]))(
    '%s, %i bytes%s',
    async (coding, size, query) => {
      const path = `/encoded/${coding}/${size}${query}`;
      const [mine, reference] = await Promise.all([client().fetch(path), globalFetch(path)]);
      const [got, want] = await Promise.all([mine.arrayBuffer(), reference.arrayBuffer()]);
      expect(mine.status).toBe(reference.status);
      expect(mine.headers.get('content-encoding')).toBe(reference.headers.get('content-encoding'));
      expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
      // A coding fetch knows is undone: the text comes back.
      if (coding !== 'bogus') expect(got.byteLength).toBe(size);
    },
  );

  it('asks for the codings it decodes unless the caller chose', async () => {
    const c = client();
    const asked = (await (await c.fetch('/echo')).json()) as { headers: Record<string, string> };
    expect(asked.headers['accept-encoding']).toBe('gzip, deflate, br');
    const chosen = (await (await c.fetch('/echo', { headers: { 'Accept-Encoding': 'identity' } })).json()) as { headers: Record<string, string> };
    expect(chosen.headers['accept-encoding']).toBe('identity');
  });

  it('errors the body with TypeError: terminated when it cannot be decoded, as fetch does', async () => {
    // Six codings: more than fetch undoes (a decompression-bomb guard).
    const path = '/encoded/gzip,gzip,gzip,gzip,gzip,gzip/100';
    const res = await client().fetch(path);
    const error = await res.text().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).message).toBe('terminated');
    expect(String((error as TypeError).cause)).toContain('too many content-encodings');
  });
});

interface Echo {
  server: number;
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  body: string;
}

/** What reached /echo, and how the Response says it got there. */
async function echoed(res: Response): Promise<{ method: string; body: string; contentType: string | undefined; redirected: boolean; url: string }> {
  const echo = (await res.json()) as Echo;
  return { method: echo.method, body: echo.body, contentType: echo.headers['content-type'], redirected: res.redirected, url: new URL(res.url).pathname };
}

describe('client.fetch follows redirects that stay in the service', () => {
  it.each([301, 302, 303, 307, 308].flatMap((status) => ['POST', 'PUT'].map((method) => [status, method] as const)))(
    '%i of a %s: method and body as the global fetch sends them',
    async (status, method) => {
      const path = `/redirect/${status}?to=/echo`;
      const init = { method, body: 'payload', headers: { 'content-type': 'text/plain' } };
      const [mine, reference] = await Promise.all([client().fetch(path, init), globalFetch(path, init)]);
      expect(await echoed(mine)).toEqual(await echoed(reference));
    },
  );

  it('sends each hop through the pipeline again, to a new pick, and keeps the credentials in the service', async () => {
    const seen: string[] = [];
    const log: Middleware = (call, next) => {
      seen.push(call.path);
      return next(call);
    };
    const res = await client({ middleware: [log] }).fetch('/redirect/302?to=http://svc/echo', { headers: { authorization: 'Bearer t', cookie: 'c=1' } });
    const echo = (await res.json()) as Echo;
    expect(seen).toEqual(['/redirect/302?to=http://svc/echo', '/echo']);
    // Round-robin: the first hop went to server 0, the second to server 1.
    expect(echo.server).toBe(1);
    expect(echo.headers.authorization).toBe('Bearer t');
    expect(echo.headers.cookie).toBe('c=1');
    expect(res.url).toBe('http://svc/echo');
    expect(res.redirected).toBe(true);
  });

  it('follows 20 redirects and fails the 21st with the TypeError fetch gives', async () => {
    const c = client();
    const end = await c.fetch('/chain/20');
    expect(await end.text()).toBe('end of chain');
    expect(end.url).toBe('http://svc/chain/0');
    const [mine, reference] = await Promise.all([c.fetch('/chain/21').catch((e: unknown) => e), globalFetch('/chain/21').catch((e: unknown) => e)]);
    expect(mine).toBeInstanceOf(TypeError);
    expect((mine as TypeError).message).toBe((reference as TypeError).message);
    expect(String((mine as TypeError).cause)).toBe(String((reference as TypeError).cause));
  });

  it("returns the 3xx itself with redirect: 'manual'", async () => {
    const res = await client().fetch('/redirect/301?to=/echo', { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/echo');
    expect(res.redirected).toBe(false);
    expect(await res.text()).toBe('redirect 301');
  });

  it("rejects with the TypeError fetch gives with redirect: 'error'", async () => {
    const path = '/redirect/307?to=/echo';
    const [mine, reference] = await Promise.all([
      client().fetch(path, { redirect: 'error' }).catch((e: unknown) => e),
      globalFetch(path, { redirect: 'error' }).catch((e: unknown) => e),
    ]);
    expect(mine).toBeInstanceOf(TypeError);
    expect((mine as TypeError).message).toBe((reference as TypeError).message);
    expect(String((mine as TypeError).cause)).toBe(String((reference as TypeError).cause));
  });

  it('returns a redirect without a Location as the response, as fetch does', async () => {
    const res = await client().fetch('/redirect/302');
    expect(res.status).toBe(302);
    expect(res.url).toBe('http://svc/redirect/302');
    expect(res.redirected).toBe(false);
  });

  it('refuses to send a streamed body again for a 307, as fetch does', async () => {
    const body = () => new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('once')), c.close()) });
    const init = () => ({ method: 'POST', body: body(), duplex: 'half' }) as RequestInit;
    const mine = await client().fetch('/redirect/307?to=/echo', init()).catch((e: unknown) => e);
    const reference = await globalFetch('/redirect/307?to=/echo', init()).catch((e: unknown) => e);
    expect(mine).toBeInstanceOf(TypeError);
    expect(reference).toBeInstanceOf(TypeError);
    expect((mine as TypeError).message).toBe((reference as TypeError).message);
  });

  it('refuses an unknown redirect mode, naming it', async () => {
    await expect(client().fetch('/ok', { redirect: 'sideways' as RequestRedirect })).rejects.toThrow('"sideways"');
  });
});

describe('client.fetch never follows a redirect out of the service', () => {
  it.each([
    ['another host', (other: string) => `${other}/echo`],
    ['another port of the service host', () => 'http://svc:8080/echo'],
    ['another scheme', () => 'https://svc/echo'],
    ['credentials in the URL', () => 'http://user:secret@svc/echo'],
  ])('%s: rejects with RedirectOutsideServiceError naming the location, and sends nothing there', async (_name, target) => {
    const location = target(loopback.fleet.urls[1]!);
    const error = await client()
      .fetch(`/redirect/302?to=${encodeURIComponent(location)}`, { headers: { authorization: 'Bearer t', cookie: 'c=1', 'proxy-authorization': 'Basic x' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedirectOutsideServiceError);
    const expected = new URL(location);
    expected.username = expected.password = '';
    expect(error).toMatchObject({ code: 'SWITCHYARD_REDIRECT_OUTSIDE_SERVICE', status: 302, location: expected.href });
    expect((error as Error).message).toContain(expected.href);
    expect((error as Error).message).not.toContain('secret');
    // Neither server saw a second request: the credentials went nowhere else.
    const paths = [...(await loopback.fleet.stats(0)).paths, ...(await loopback.fleet.stats(1)).paths];
    expect(paths.filter((p) => p === '/echo')).toEqual([]);
  });
});

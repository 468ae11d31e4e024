import net from 'node:net';
import { Agent, fetch as undiciFetch, getGlobalDispatcher, setGlobalDispatcher, type Dispatcher } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMesh, type Mesh } from '../../src/index.js';
import { startLoopbackFleet, type LoopbackFleet } from '../support/loopback.js';
import { watchResources } from '../support/resource-watch.js';

let fleet: LoopbackFleet;
let mesh: Mesh;
let dispatcher: Dispatcher;
let deadPort: number;

interface Echo {
  server: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

beforeAll(async () => {
  fleet = await startLoopbackFleet(2);
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  deadPort = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
});
afterAll(() => fleet.stop());
afterEach(async () => {
  await mesh.close();
  await fleet.reset();
});

function meshOf(): Mesh {
  mesh = createMesh({
    config: {
      services: {
        payments: { endpoints: fleet.urls, balancer: 'round-robin', retry: { retries: 1, backoff: { initial: 1, max: 1 } }, breaker: false },
        void: { endpoints: [`http://127.0.0.1:${deadPort}`], retry: false },
      },
    },
  });
  dispatcher = mesh.dispatcher();
  return mesh;
}

const requests = (m: Mesh): number => m.stats().services.payments!.endpoints.reduce((n, e) => n + e.requests, 0);

describe('fetch(url, { dispatcher: mesh.dispatcher() })', () => {
  it('sends a request whose host is a mesh service through its pipeline: balanced over the endpoints, path, headers and body intact', async () => {
    meshOf();
    const first = await fetch('http://payments/echo?x=1', { dispatcher } as RequestInit);
    const second = await fetch('http://payments/echo', { dispatcher, method: 'POST', body: 'hello', headers: { 'x-tenant': 't1', 'content-type': 'text/plain' } } as RequestInit);
    const a = (await first.json()) as Echo;
    const b = (await second.json()) as Echo;
    expect(first.status).toBe(200);
    expect(first.headers.get('x-server')).toBe(String(a.server));
    expect(a.path).toBe('/echo?x=1');
    expect(b).toMatchObject({ method: 'POST', body: 'hello' });
    expect(b.headers['x-tenant']).toBe('t1');
    expect(new Set([a.server, b.server])).toEqual(new Set([0, 1]));
    expect(requests(mesh)).toBe(2);
  });

  it('retries a failed attempt on another endpoint, replaying a request body of known length', async () => {
    meshOf();
    await fleet.setMode(0, { status: 503 });
    const results: Echo[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await fetch('http://payments/echo', { dispatcher, method: 'PUT', body: `body-${i}` } as RequestInit);
      expect(res.status).toBe(200);
      results.push((await res.json()) as Echo);
    }
    expect(results.map((r) => [r.server, r.body])).toEqual([
      [1, 'body-0'],
      [1, 'body-1'],
    ]);
    expect((await fleet.stats(0)).requests).toBeGreaterThanOrEqual(1);
  });

  it('streams a request body of unknown length once, and a large response body chunk by chunk', async () => {
    meshOf();
    const chunks = ['a', 'b', 'c'];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    const echoed = await fetch('http://payments/echo', { dispatcher, method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(((await echoed.json()) as Echo).body).toBe('abc');

    const size = 3 * 1024 * 1024;
    const res = await fetch(`http://payments/bytes/${size}`, { dispatcher } as RequestInit);
    let received = 0;
    let reads = 0;
    for await (const chunk of res.body!) {
      received += chunk.byteLength;
      reads++;
    }
    expect(received).toBe(size);
    expect(reads).toBeGreaterThan(1);
  });

  it('an abort rejects the fetch with the abort reason and cancels the request at the server', async () => {
    meshOf();
    const controller = new AbortController();
    const pending = fetch('http://payments/hang', { dispatcher, signal: controller.signal } as RequestInit);
    while ((await fleet.stats(0)).requests + (await fleet.stats(1)).requests === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    for (let i = 0; i < 200 && (await fleet.stats(0)).aborted + (await fleet.stats(1)).aborted === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await fleet.stats(0)).aborted + (await fleet.stats(1)).aborted).toBe(1);
  });

  it('aborting while the body streams ends the body with the abort', async () => {
    meshOf();
    const controller = new AbortController();
    const res = await fetch(`http://payments/bytes/${8 * 1024 * 1024}`, { dispatcher, signal: controller.signal } as RequestInit);
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('fetch follows a redirect through the mesh again, and redirect: "manual" hands it back', async () => {
    meshOf();
    const res = await fetch('http://payments/redirect/302?to=/echo?hop=2', { dispatcher } as RequestInit);
    expect(res.status).toBe(200);
    expect(res.redirected).toBe(true);
    expect(res.url).toBe('http://payments/echo?hop=2');
    expect(((await res.json()) as Echo).path).toBe('/echo?hop=2');
    expect(requests(mesh)).toBe(2);
    const manual = await fetch('http://payments/redirect/307?to=/x', { dispatcher, redirect: 'manual' } as RequestInit);
    expect(manual.status).toBe(307);
    expect(manual.headers.get('location')).toBe('/x');
  });

  it("a pipeline error rejects like fetch does: TypeError('fetch failed') with switchyard's error as the cause", async () => {
    meshOf();
    const error = await fetch('http://void/x', { dispatcher } as RequestInit).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('fetch failed');
    expect(((error as Error).cause as { code: string }).code).toBe('ECONNREFUSED');
  });

  it("takes the handlers of undici 8's own fetch as well as those of Node's bundled one", async () => {
    meshOf();
    const res = await undiciFetch('http://payments/echo?v=8', { dispatcher });
    expect(((await res.json()) as Echo).path).toBe('/echo?v=8');
    expect(requests(mesh)).toBe(1);
  });

  it('sends every other host straight through undici, untouched by the mesh', async () => {
    meshOf();
    const res = await fetch(`${fleet.urls[1]}/echo`, { dispatcher } as RequestInit);
    expect(((await res.json()) as Echo).server).toBe(1);
    expect(requests(mesh)).toBe(0);
  });

  it('uses the fallback dispatcher it is given for other hosts, and leaves it open', async () => {
    meshOf();
    const fallback = new Agent();
    const withFallback = mesh.dispatcher({ fallback });
    const res = await fetch(`${fleet.urls[0]}/echo`, { dispatcher: withFallback } as RequestInit);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    await mesh.close();
    expect(fallback.closed).toBe(false);
    await fallback.close();
    expect(() => mesh.dispatcher({ fallback: {} as Dispatcher })).toThrow();
  });
});

describe('setGlobalDispatcher(mesh.dispatcher())', () => {
  it('routes the global fetch: mesh hosts through the pipeline (with retries), other hosts directly', async () => {
    meshOf();
    const previous = getGlobalDispatcher();
    setGlobalDispatcher(dispatcher);
    try {
      await fleet.setMode(1, { status: 503 });
      for (let i = 0; i < 2; i++) {
        const res = await fetch('http://payments/echo');
        expect(res.status).toBe(200);
        expect(((await res.json()) as Echo).server).toBe(0);
      }
      const direct = await fetch(`${fleet.urls[1]}/echo`);
      expect(direct.status).toBe(503);
      await direct.arrayBuffer();
      expect(requests(mesh)).toBeGreaterThanOrEqual(3);
    } finally {
      setGlobalDispatcher(previous);
    }
  });

  it('leaves no socket or timer behind once the mesh is closed, through mesh hosts and others, alert timer included', async () => {
    const watch = watchResources();
    const m = createMesh({
      config: { services: { payments: { endpoints: fleet.urls } }, alerts: { interval: 50, rules: [{ name: 'errors', metric: 'success-rate', below: 0.5 }] } },
    });
    const d = m.dispatcher();
    for (const url of ['http://payments/echo', `${fleet.urls[0]}/echo`]) await (await fetch(url, { dispatcher: d } as RequestInit)).arrayBuffer();
    const streamed = await fetch(`http://payments/bytes/${4 * 1024 * 1024}`, { dispatcher: d } as RequestInit);
    await streamed.body!.cancel();
    await m.close();
    mesh = m;
    expect(await watch.settled(10_000)).toEqual([]);
  });

  it('rejects a bad option naming it', () => {
    meshOf();
    expect(() => mesh.dispatcher({ pool: 1 } as never)).toThrow('Invalid option dispatcher.pool');
  });
});

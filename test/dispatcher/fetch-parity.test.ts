import type { Dispatcher } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMesh, type Mesh } from '../../src/index.js';
import { startLoopbackFleet, type LoopbackFleet } from '../support/loopback.js';

// The loopback cases of client.fetch (test/client/fetch.test.ts), sent by the global fetch through mesh.dispatcher().
let fleet: LoopbackFleet;
let mesh: Mesh;
let dispatcher: Dispatcher;

beforeAll(async () => {
  fleet = await startLoopbackFleet(3);
});
afterAll(() => fleet.stop());
afterEach(async () => {
  await mesh.close();
  await fleet.reset();
});

function meshOver(urls: string[]): void {
  mesh = createMesh({ config: { services: { svc: { endpoints: urls } } } });
  dispatcher = mesh.dispatcher();
}
const get = (path: string, init: RequestInit = {}): Promise<Response> => fetch(`http://svc${path}`, { ...init, dispatcher } as RequestInit);

describe('the global fetch through mesh.dispatcher() against three loopback servers', () => {
  it('visits the endpoints in exact round-robin order', async () => {
    meshOver(fleet.urls);
    const order: string[] = [];
    for (let i = 0; i < 9; i++) {
      const res = await get('/echo');
      order.push(res.headers.get('x-server')!);
      await res.arrayBuffer();
    }
    expect(order).toEqual(['0', '1', '2', '0', '1', '2', '0', '1', '2']);
    expect(mesh.stats().services.svc!.endpoints.map((s) => s.requests)).toEqual([3, 3, 3]);
  });

  it('round-trips status, headers and body', async () => {
    meshOver(fleet.urls);
    const res = await get('/echo?x=1', { headers: { 'X-Custom': 'v1', accept: 'application/json' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const echo = await res.json();
    expect(echo.path).toBe('/echo?x=1');
    expect(echo.headers['x-custom']).toBe('v1');
    expect(echo.headers.accept).toBe('application/json');

    const missing = await get('/status/404');
    expect(missing.status).toBe(404);
    expect(missing.ok).toBe(false);
    expect(await missing.text()).toBe('status 404');
  });

  it('delivers a POST body intact', async () => {
    meshOver(fleet.urls);
    const body = JSON.stringify({ amount: 4200, note: 'ünïcødé ✓', pad: 'x'.repeat(100_000) });
    const echo = await (await get('/echo', { method: 'POST', body, headers: { 'content-type': 'application/json' } })).json();
    expect(echo.method).toBe('POST');
    expect(echo.body).toBe(body);
    expect(echo.headers['content-type']).toBe('application/json');
  });

  it('sends bytes, URLSearchParams and Blob bodies as fetch would', async () => {
    meshOver(fleet.urls);
    const bytes = await (await get('/echo', { method: 'PUT', body: new TextEncoder().encode('raw bytes') })).json();
    expect(bytes.body).toBe('raw bytes');
    const form = await (await get('/echo', { method: 'POST', body: new URLSearchParams({ a: '1', b: 'two' }) })).json();
    expect(form.body).toBe('a=1&b=two');
    expect(form.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    const blob = await (await get('/echo', { method: 'POST', body: new Blob(['blob body'], { type: 'text/x-test' }) })).json();
    expect(blob.body).toBe('blob body');
    expect(blob.headers['content-type']).toBe('text/x-test');
  });

  it('streams a 10 MB response without buffering it whole (back-pressure reaches the server)', async () => {
    meshOver([fleet.urls[0]!]);
    const size = 10 * 1024 * 1024;
    const res = await get(`/bytes/${size}`);
    expect(res.headers.get('content-length')).toBe(String(size));
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect((await fleet.stats(0)).streamsFinished).toBe(0);
    let received = first.value!.byteLength;
    let largest = received;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      largest = Math.max(largest, value.byteLength);
    }
    expect(received).toBe(size);
    expect(largest).toBeLessThan(size / 4);
    expect((await fleet.stats(0)).streamsFinished).toBe(1);
  });

  it('accepts a Request object', async () => {
    meshOver(fleet.urls);
    const req = new Request('http://svc/echo?from=request', { method: 'POST', body: 'from a Request', headers: { 'x-r': '1' } });
    const echo = await (await fetch(req, { dispatcher } as RequestInit)).json();
    expect(echo.method).toBe('POST');
    expect(echo.path).toBe('/echo?from=request');
    expect(echo.body).toBe('from a Request');
    expect(echo.headers['x-r']).toBe('1');
  });

  it('returns a null body for HEAD and 204', async () => {
    meshOver([fleet.urls[0]!]);
    const head = await get('/echo', { method: 'HEAD' });
    expect(head.body).toBeNull();
    const empty = await get('/status/204');
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });
});

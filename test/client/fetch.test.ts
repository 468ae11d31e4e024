import { describe, expect, it } from 'vitest';
import { useLoopbackClients } from '../support/loopback-clients.js';

const loopback = useLoopbackClients(3);

describe('client.fetch against three loopback servers', () => {
  it('visits the endpoints in exact round-robin order', async () => {
    const client = loopback.client({ service: 'svc', endpoints: loopback.fleet.urls });
    const order: string[] = [];
    for (let i = 0; i < 9; i++) {
      const res = await client.fetch('/echo');
      order.push(res.headers.get('x-server')!);
      await res.arrayBuffer();
    }
    expect(order).toEqual(['0', '1', '2', '0', '1', '2', '0', '1', '2']);
    expect(client.stats().map((s) => s.requests)).toEqual([3, 3, 3]);
  });

  it('round-trips status, headers and body', async () => {
    const client = loopback.client({ service: 'svc', endpoints: loopback.fleet.urls });
    const res = await client.fetch('/echo?x=1', { headers: { 'X-Custom': 'v1', accept: 'application/json' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const echo = await res.json();
    expect(echo.path).toBe('/echo?x=1');
    expect(echo.headers['x-custom']).toBe('v1');
    expect(echo.headers.accept).toBe('application/json');

    const missing = await client.fetch('/status/404');
    expect(missing.status).toBe(404);
    expect(missing.ok).toBe(false);
    expect(await missing.text()).toBe('status 404');
  });

  it('delivers a POST body intact', async () => {
    const client = loopback.client({ service: 'svc', endpoints: loopback.fleet.urls });
    const body = JSON.stringify({ amount: 4200, note: 'ünïcødé ✓', pad: 'x'.repeat(100_000) });
    const res = await client.fetch('/echo', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const echo = await res.json();
    expect(echo.method).toBe('POST');
    expect(echo.body).toBe(body);
    expect(echo.headers['content-type']).toBe('application/json');
  });

  it('sends bytes, URLSearchParams and Blob bodies as fetch would', async () => {
    const client = loopback.client({ service: 'svc', endpoints: loopback.fleet.urls });
    const bytes = await (await client.fetch('/echo', { method: 'PUT', body: new TextEncoder().encode('raw bytes') })).json();
    expect(bytes.body).toBe('raw bytes');
    const form = await (await client.fetch('/echo', { method: 'POST', body: new URLSearchParams({ a: '1', b: 'two' }) })).json();
    expect(form.body).toBe('a=1&b=two');
    expect(form.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    const blob = await (await client.fetch('/echo', { method: 'POST', body: new Blob(['blob body'], { type: 'text/x-test' }) })).json();
    expect(blob.body).toBe('blob body');
    expect(blob.headers['content-type']).toBe('text/x-test');
  });

  it('streams a 10 MB response without buffering it whole', async () => {
    const client = loopback.client({ service: 'svc', endpoints: [loopback.fleet.urls[0]!] });
    const size = 10 * 1024 * 1024;
    const res = await client.fetch(`/bytes/${size}`);
    expect(res.headers.get('content-length')).toBe(String(size));
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    // Hold the stream: backpressure must stop the server well before the end.
    await new Promise((r) => setTimeout(r, 300));
    expect((await loopback.fleet.stats(0)).streamsFinished).toBe(0);
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
    expect((await loopback.fleet.stats(0)).streamsFinished).toBe(1);
  });

  it('accepts a Request object', async () => {
    const client = loopback.client({ service: 'payments', endpoints: loopback.fleet.urls });
    const req = new Request('http://payments/echo?from=request', { method: 'POST', body: 'from a Request', headers: { 'x-r': '1' } });
    const echo = await (await client.fetch(req)).json();
    expect(echo.method).toBe('POST');
    expect(echo.path).toBe('/echo?from=request');
    expect(echo.body).toBe('from a Request');
    expect(echo.headers['x-r']).toBe('1');
  });

  it('accepts an absolute URL whose host is the service name, and refuses another host', async () => {
    const client = loopback.client({ service: 'payments', endpoints: loopback.fleet.urls });
    const echo = await (await client.fetch('http://payments/echo?abs=1')).json();
    expect(echo.path).toBe('/echo?abs=1');
    const viaUrl = await (await client.fetch(new URL('http://payments/echo'))).json();
    expect(viaUrl.path).toBe('/echo');
    await expect(client.fetch('http://elsewhere.example/echo')).rejects.toMatchObject({ code: 'SWITCHYARD_INVALID_REQUEST' });
  });

  it('returns a null body for HEAD and 204 and still reuses the connection', async () => {
    const client = loopback.client({ service: 'svc', endpoints: [loopback.fleet.urls[0]!] });
    const head = await client.fetch('/echo', { method: 'HEAD' });
    expect(head.body).toBeNull();
    const empty = await client.fetch('/status/204');
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });
});

describe('client.request, the undici-style fast path', () => {
  it('returns statusCode, headers, a readable body and the endpoint id', async () => {
    const client = loopback.client({ service: 'svc', endpoints: loopback.fleet.urls });
    const res = await client.request({ method: 'POST', path: '/echo', body: 'hello', headers: { 'x-a': 'b' } });
    expect(res.statusCode).toBe(200);
    expect(res.endpoint).toBe(loopback.fleet.urls[0]);
    const echo = (await res.body.json()) as { body: string; headers: Record<string, string> };
    expect(echo.body).toBe('hello');
    expect(echo.headers['x-a']).toBe('b');
  });
});

describe('header safety', () => {
  it.each([
    ['CR LF in a value', { 'x-evil': 'a\r\nx-injected: 1' }],
    ['a bare LF', { 'x-evil': 'a\nb' }],
    ['NUL', { 'x-evil': 'a\0b' }],
    ['a name that is not a token', { 'bad name': 'v' }],
  ])('rejects %s before any byte is written', async (_label, headers) => {
    const client = loopback.client({ service: 'svc', endpoints: [loopback.fleet.urls[0]!] });
    await expect(client.fetch('/echo', { headers: headers as Record<string, string> })).rejects.toMatchObject({
      code: 'SWITCHYARD_INVALID_REQUEST',
    });
    await expect(client.request({ path: '/echo', headers: headers as Record<string, string> })).rejects.toMatchObject({
      code: 'SWITCHYARD_INVALID_REQUEST',
    });
    expect((await loopback.fleet.stats(0)).requests).toBe(0);
  });
});

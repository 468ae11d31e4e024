/**
 * Injection: nothing a caller passes can add a header, split the request or rewrite the request
 * line. Such input is refused with InvalidRequestError before a byte is sent, and counts against
 * no endpoint.
 */
import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../src/index.js';
import { FAULT_SERVER } from '../support/loopback.js';
import { useLoopbackClients } from '../support/loopback-clients.js';

const loopback = useLoopbackClients(1, FAULT_SERVER);
const client = () => loopback.client({ service: 'svc', endpoints: loopback.fleet.urls, retry: false });

async function refusedBeforeSending(send: (c: ReturnType<typeof client>) => Promise<unknown>): Promise<void> {
  const c = client();
  const error = await send(c).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidRequestError);
  expect((await loopback.fleet.stats(0)).requests).toBe(0);
  expect(c.stats().map((s) => [s.requests, s.failures])).toEqual([[0, 0]]);
}

describe('header injection', () => {
  it.each([
    ['CR LF in a value', { 'x-user': 'alice\r\nx-admin: true' }],
    ['a bare LF in a value', { 'x-user': 'alice\nx-admin: true' }],
    ['a bare CR in a value', { 'x-user': 'alice\rx-admin: true' }],
    ['NUL in a value', { 'x-user': 'alice\0' }],
    ['a space in a name', { 'x user': 'v' }],
    ['a colon in a name', { 'x-a: b\r\nx-c': 'v' }],
    ['an empty name', { '': 'v' }],
  ])('%s is refused by fetch and request', async (_, headers) => {
    await refusedBeforeSending((c) => c.fetch('/echo', { headers }));
    await refusedBeforeSending((c) => c.request({ path: '/echo', headers }));
  });

  it('a value with CR LF is refused in a Headers-like pair list too', async () => {
    await refusedBeforeSending((c) => c.fetch('/echo', { headers: [['x-user', 'a\r\nx-admin: 1']] }));
  });

  it('a header that looks like another is sent as one value', async () => {
    const res = await client().request({ path: '/echo', headers: { 'x-user': 'alice; x-admin=true', 'x-list': ['a', 'b'] } });
    const echo = (await res.body.json()) as { headers: Record<string, string> };
    expect(echo.headers['x-user']).toBe('alice; x-admin=true');
    expect(echo.headers['x-list']).toBe('a, b');
    expect(echo.headers['x-admin']).toBeUndefined();
  });
});

describe('request-line injection', () => {
  it.each(['GET /admin HTTP/1.1\r\nHost: evil.example\r\n\r\nGET', 'GET /admin', 'G\0ET', 'PO(ST', ''])('the method %j is refused by fetch and request', async (method) => {
    await refusedBeforeSending((c) => c.fetch('/echo', { method }));
    await refusedBeforeSending((c) => c.request({ path: '/echo', method: method as 'GET' }));
  });

  it('an extension method that is a token is sent', async () => {
    const res = await client().request({ path: '/echo', method: 'PURGE' as 'GET' });
    expect(((await res.body.json()) as { method: string }).method).toBe('PURGE');
  });

  it.each(['/x HTTP/1.1\r\nHost: evil.example\r\n\r\nGET /y', '/x\r\nx-admin: 1', '/x\0'])('the request path %j is refused', async (path) => {
    await refusedBeforeSending((c) => c.request({ path }));
  });
});

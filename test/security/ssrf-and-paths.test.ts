/**
 * SSRF and path confusion: a client sends only to its own endpoints, and only paths a proxy or a
 * framework in front of them reads as the caller wrote them. Refused input never reaches a backend.
 */
import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../src/index.js';
import { FAULT_SERVER } from '../support/loopback.js';
import { useLoopbackClients } from '../support/loopback-clients.js';

const loopback = useLoopbackClients(1, FAULT_SERVER);
const client = () => loopback.client({ service: 'svc', endpoints: loopback.fleet.urls, retry: false });

async function rejection(promise: Promise<unknown>): Promise<InvalidRequestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidRequestError);
  return error as InvalidRequestError;
}

describe('client.fetch refuses what would reach another host or another path', () => {
  it.each([
    ['a network-path reference', '//evil.example/x'],
    ['a backslash prefix', '\\evil.example/x'],
    ['a slash-backslash prefix', '/\\evil.example/x'],
    ['a tab that URL parsing drops, making //', '/\t/evil.example/x'],
    ['an encoded slash prefix', '/%2fevil.example/x'],
    ['an encoded backslash prefix', '/%5Cevil.example/x'],
    ['an encoded dot-segment with an encoded slash', '/static/..%2f..%2fetc/passwd'],
    ['a fully encoded dot-segment and slash', '/static/%2e%2e%2fadmin'],
    ['an encoded dot-segment with an encoded backslash', '/static/%2E%2e%5cadmin'],
    ['an absolute URL whose path is a network-path reference', 'http://svc//evil.example/x'],
    ['an absolute URL for another host', 'http://evil.example/x'],
    ['an absolute URL for an endpoint address instead of the service', 'LOOPBACK'],
    ['another scheme', 'file:///etc/passwd'],
  ])('%s: %j', async (_, input) => {
    const target = input === 'LOOPBACK' ? `${loopback.fleet.urls[0]}/x` : input;
    const error = await rejection(client().fetch(target));
    expect(error.code).toBe('SWITCHYARD_INVALID_REQUEST');
    expect((await loopback.fleet.stats(0)).requests).toBe(0);
  });

  it('refuses a Request whose URL names another host', async () => {
    await rejection(client().fetch(new Request('http://evil.example/x')));
    expect((await loopback.fleet.stats(0)).requests).toBe(0);
  });

  it.each([
    ['dot-segments resolved, as the global fetch does', '/a/b/../../echo', '/echo'],
    ['encoded dot-segments resolved the same way', '/a/%2e%2e/echo', '/echo'],
    ['backslashes read as slashes', 'a\\..\\echo', '/echo'],
    ['a space percent-encoded', '/echo?q=a b', '/echo?q=a%20b'],
    ['a // in the query left alone', '/echo?next=//evil.example', '/echo?next=//evil.example'],
    ['a plain path untouched', '/echo/v1/items.json?x=1', '/echo/v1/items.json?x=1'],
  ])('normalises %s: %j reaches the backend as %j', async (_, input, sent) => {
    const res = await client().fetch(input);
    await res.arrayBuffer();
    expect((await loopback.fleet.stats(0)).paths).toEqual([sent]);
  });
});

describe('client.request sends its path as it is, so it refuses an ambiguous one', () => {
  it.each([
    ['a network-path reference', '//evil.example/x'],
    ['a slash-backslash prefix', '/\\evil.example/x'],
    ['a backslash prefix (read as /\\)', '\\evil.example/x'],
    ['an encoded slash prefix', '/%2Fevil.example/x'],
    ['a dot-segment', '/static/../admin'],
    ['a single-dot segment', '/static/./admin'],
    ['an encoded dot-segment', '/static/%2e%2e/admin'],
    ['an encoded dot-segment with an encoded slash', '/static/..%2f..%2fetc/passwd'],
    ['a backslash in the path', '/static\\..\\admin'],
    ['a space', '/search?q=a b'],
    ['CR LF (request splitting)', '/x HTTP/1.1\r\nHost: evil.example\r\n\r\nGET /y'],
  ])('%s: %j', async (_, path) => {
    await rejection(client().request({ path }));
    expect((await loopback.fleet.stats(0)).requests).toBe(0);
  });

  it.each(['/echo/v1/items.json?x=1', '/echo?next=//evil.example&up=../x', '/echo/a%20b', 'echo/relative'])('sends %j unchanged', async (path) => {
    const res = await client().request({ path });
    await res.body.dump();
    expect(res.statusCode).toBe(200);
    expect((await loopback.fleet.stats(0)).paths).toEqual([path.startsWith('/') ? path : `/${path}`]);
  });
});

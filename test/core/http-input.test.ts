import { describe, expect, it } from 'vitest';
import { normalizeHeaders } from '../../src/http/headers.js';
import { toPath } from '../../src/http/request-target.js';
import { redactedUrl } from '../../src/telemetry/redact-url.js';

describe('normalizeHeaders', () => {
  it('lower-cases names from records, pairs and Headers, joining repeats with a comma', () => {
    expect({ ...normalizeHeaders({ 'X-A': '1', Accept: ['a', 'b'] }) }).toEqual({ 'x-a': '1', accept: 'a, b' });
    expect({ ...normalizeHeaders([['X-A', '1'], ['x-a', '2']]) }).toEqual({ 'x-a': '1, 2' });
    expect({ ...normalizeHeaders(new Headers({ 'Content-Type': 'text/plain' })) }).toEqual({ 'content-type': 'text/plain' });
  });

  it('skips undefined values and returns a map without a prototype', () => {
    const headers = normalizeHeaders({ a: undefined, b: '2' });
    expect(Object.getPrototypeOf(headers)).toBeNull();
    expect({ ...headers }).toEqual({ b: '2' });
  });

  it.each(['a\rb', 'a\nb', 'a\0b', 'ok\r\nx-injected: 1'])('rejects the value %j', (value) => {
    expect(() => normalizeHeaders({ 'x-h': value })).toThrow(/x-h.*CR, LF or NUL/);
  });

  it('rejects a name that is not a token', () => {
    expect(() => normalizeHeaders({ 'x h': 'v' })).toThrow(/Invalid header name "x h"/);
    expect(() => normalizeHeaders({ 'x:h': 'v' })).toThrow(/not an RFC 9110 token/);
  });
});

describe('toPath', () => {
  it.each([
    ['/v1/items?a=1', '/v1/items?a=1'],
    ['v1/items', '/v1/items'],
    ['http://payments/v1/items?a=1', '/v1/items?a=1'],
    ['https://PAYMENTS/x', '/x'],
  ])('%s → %s', (input, path) => {
    expect(toPath(input, 'payments')).toBe(path);
  });

  it('refuses another host, another scheme and credentials', () => {
    expect(() => toPath('http://orders/x', 'payments')).toThrow(/names host "orders", but this client serves "payments"/);
    expect(() => toPath('ftp://payments/x', 'payments')).toThrow(/not http/);
    expect(() => toPath('http://u:p@payments/x', 'payments')).toThrow(/credentials/);
  });
});

describe('redactedUrl', () => {
  it('redacts signed-URL query values named by the semantic conventions and keeps the rest', () => {
    expect(redactedUrl('http://h:1', '/a?sig=s3cr3t&x=1&Signature=abc&AWSAccessKeyId=k&X-Goog-Signature=g')).toBe(
      'http://h:1/a?sig=REDACTED&x=1&Signature=REDACTED&AWSAccessKeyId=REDACTED&X-Goog-Signature=REDACTED',
    );
    expect(redactedUrl('http://h:1', '/a?x=1')).toBe('http://h:1/a?x=1');
    expect(redactedUrl('http://h:1', '/a')).toBe('http://h:1/a');
  });
});

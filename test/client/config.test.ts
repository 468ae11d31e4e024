import { describe, expect, it } from 'vitest';
import { ConfigError, createClient, type ClientOptions } from '../../src/index.js';

const ok = { service: 'svc', endpoints: ['http://127.0.0.1:1'] };

function configError(options: unknown): ConfigError {
  try {
    createClient(options as ClientOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('createClient accepted the options');
}

describe('createClient validates its options', () => {
  it.each([
    ['no endpoints at all', { service: 'svc' }, 'endpoints', undefined],
    ['an empty endpoint list', { service: 'svc', endpoints: [] }, 'endpoints', []],
    ['an endpoint that is not http(s)', { ...ok, endpoints: ['ftp://127.0.0.1:21'] }, 'endpoints[0].url', 'ftp://127.0.0.1:21'],
    ['an endpoint that is not a URL', { ...ok, endpoints: ['http://127.0.0.1:1', 'not a url'] }, 'endpoints[1].url', 'not a url'],
    ['an endpoint with a path', { ...ok, endpoints: ['http://127.0.0.1:1/api'] }, 'endpoints[0].url', 'http://127.0.0.1:1/api'],
    ['a zero weight', { ...ok, endpoints: [{ url: 'http://127.0.0.1:1', weight: 0 }] }, 'endpoints[0].weight', 0],
    ['a negative attempt timeout', { ...ok, timeout: { attempt: -5 } }, 'timeout.attempt', -5],
    ['a NaN total timeout', { ...ok, timeout: { total: Number.NaN } }, 'timeout.total', Number.NaN],
    ['a string timeout', { ...ok, timeout: { attempt: '100' } }, 'timeout.attempt', '100'],
    ['an unknown balancer name', { ...ok, balancer: 'fastest' }, 'balancer', 'fastest'],
    ['an unknown option key', { ...ok, retires: 3 }, 'retires', 3],
    ['an unknown nested key', { ...ok, timeout: { atempt: 100 } }, 'timeout.atempt', 100],
    ['a missing service', { endpoints: ['http://127.0.0.1:1'] }, 'service', undefined],
    ['a middleware that is not a function', { ...ok, middleware: [42] }, 'middleware[0]', 42],
  ])('%s names the option and the value', (_label, options, option, value) => {
    const error = configError(options);
    expect(error.code).toBe('SWITCHYARD_CONFIG');
    expect(error.option).toBe(option);
    expect(error.value).toEqual(value);
    expect(error.message).toContain(option);
  });

  it('reports the bad value in the message', () => {
    expect(configError({ ...ok, balancer: 'fastest' }).message).toMatch(/balancer: "fastest" \(expected one of round-robin/);
    expect(configError({ ...ok, timeout: { attempt: -5 } }).message).toContain('-5');
  });

  it('rejects a __proto__ key without polluting any prototype', () => {
    const hostile = JSON.parse('{"service":"svc","endpoints":["http://127.0.0.1:1"],"__proto__":{"polluted":true}}');
    const error = configError(hostile);
    expect(error.option).toBe('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const nested = JSON.parse('{"service":"svc","endpoints":["http://127.0.0.1:1"],"timeout":{"__proto__":{"attempt":1}}}');
    expect(configError(nested).option).toBe('timeout.__proto__');
    expect(({} as Record<string, unknown>).attempt).toBeUndefined();
  });

  it('accepts a valid configuration', async () => {
    const client = createClient({ ...ok, timeout: { attempt: 100, total: Infinity }, balancer: 'round-robin' });
    expect(client.stats()).toHaveLength(1);
    await client.close();
  });
});

/**
 * Secrets in errors, stats and spans: credentials in a URL (endpoint or request) never appear in an
 * error's message or properties, and sensitive query values never reach `url.full`.
 */
import { inspect } from 'node:util';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, createClient, InvalidRequestError, SENSITIVE_QUERY_PARAMS, staticDiscovery, type ClientOptions } from '../../src/index.js';
import { FAULT_SERVER } from '../support/loopback.js';
import { useLoopbackClients } from '../support/loopback-clients.js';

const SECRET = 's3cr3t-Pa55';
const loopback = useLoopbackClients(1, FAULT_SERVER);
const exporter = new InMemorySpanExporter();

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
});
afterAll(() => {
  trace.disable();
  context.disable();
});
afterEach(() => exporter.reset());

/** Everything a log line could show of an error: message, stack, own properties, causes. */
function printed(error: unknown): string {
  return `${String(error)}\n${(error as Error).stack ?? ''}\n${inspect(error, { depth: 5 })}`;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
}

describe('credentials in endpoint URLs are refused, and never printed', () => {
  const withCredentials = `http://admin:${SECRET}@127.0.0.1:8081`;
  it.each([
    ['a createClient URL string', { endpoints: [withCredentials] }, 'endpoints[0].url'],
    ['an endpoint object', { endpoints: [{ url: withCredentials, weight: 2 }] }, 'endpoints[0].url'],
    ['a URL that does not parse', { endpoints: [`http://admin:${SECRET}@[::1/`] }, 'endpoints[0].url'],
    ['a URL with a path as well', { endpoints: [`${withCredentials}/base`] }, 'endpoints[0].url'],
    ['a lone URL where a list belongs', { endpoints: withCredentials }, 'endpoints'],
  ])('%s', (_, options, option) => {
    const error = thrown(() => createClient({ service: 'svc', ...(options as Partial<ClientOptions>) } as ClientOptions));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe(option);
    expect(printed(error)).not.toContain(SECRET);
    expect(printed(error)).not.toContain('admin');
  });

  it('in staticDiscovery().set, which keeps the previous list', () => {
    const discovery = staticDiscovery(['http://127.0.0.1:8081']);
    const error = thrown(() => discovery.set([`http://admin:${SECRET}@127.0.0.1:8082`]));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/endpoints\[0\]\.url: "http:\/\/127\.0\.0\.1:8082\/" \(expected an origin without credentials/);
    expect(printed(error)).not.toContain(SECRET);
    expect(discovery.current().map((e) => e.url)).toEqual(['http://127.0.0.1:8081']);
  });
});

describe('credentials in request URLs are refused before anything is sent, and never printed', () => {
  it.each([
    ['another host', `http://admin:${SECRET}@evil.example/x`],
    ['the service host', `http://admin:${SECRET}@svc/x`],
    ['another scheme', `ftp://admin:${SECRET}@svc/x`],
    ['a URL that does not parse', `http://admin:${SECRET}@[bad/x`],
    ['a password only', `http://:${SECRET}@svc/x`],
  ])('%s', async (_, url) => {
    const client = loopback.client({ service: 'svc', endpoints: loopback.fleet.urls });
    const error = await client.fetch(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(printed(error)).not.toContain(SECRET);
    expect((await loopback.fleet.stats(0)).requests).toBe(0);
  });

  it('an error for a refused path shows its sensitive query values redacted', async () => {
    const client = loopback.client({ service: 'svc', endpoints: loopback.fleet.urls });
    const error = await client.request({ path: `/a b?token=${SECRET}` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toContain('token=REDACTED');
    expect(printed(error)).not.toContain(SECRET);
  });

  it('a failed call with a secret in its query prints no secret, nor do stats', async () => {
    const client = loopback.client({ service: 'svc', endpoints: loopback.fleet.urls, retry: false, timeout: { attempt: 50 } });
    const error = await client.fetch(`/hang?access_token=${SECRET}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(printed(error)).not.toContain(SECRET);
    expect(JSON.stringify(client.stats())).not.toContain(SECRET);
  });
});

describe('url.full redacts sensitive query values', () => {
  const attemptUrls = (): string[] =>
    exporter
      .getFinishedSpans()
      .filter((s) => s.kind === SpanKind.CLIENT)
      .map((s) => String(s.attributes['url.full']));

  it.each([...SENSITIVE_QUERY_PARAMS, 'TOKEN', 'x-amz-signature', 'Api_Key', 'access%5Ftoken'])('the value of %j', async (name) => {
    const client = loopback.client({ service: 'svc', endpoints: loopback.fleet.urls });
    await (await client.fetch(`/ok?a=1&${name}=${SECRET}&b=2`)).text();
    expect(attemptUrls()).toEqual([`${loopback.fleet.urls[0]}/ok?a=1&${name}=REDACTED&b=2`]);
  });

  it('covers the OpenTelemetry list and the common secret names', () => {
    for (const name of ['AWSAccessKeyId', 'Signature', 'sig', 'X-Goog-Signature', 'X-Amz-Signature', 'token', 'access_token', 'api_key', 'key', 'password', 'secret']) {
      expect(SENSITIVE_QUERY_PARAMS).toContain(name);
    }
  });

  it('takes its list from redactQueryParams, which replaces the default', async () => {
    const client = loopback.client({ service: 'svc', endpoints: loopback.fleet.urls, redactQueryParams: ['Session'] });
    await (await client.fetch(`/ok?session=${SECRET}&token=t`)).text();
    expect(attemptUrls()).toEqual([`${loopback.fleet.urls[0]}/ok?session=REDACTED&token=t`]);
  });

  it('redacts nothing with an empty list', async () => {
    const client = loopback.client({ service: 'svc', endpoints: loopback.fleet.urls, redactQueryParams: [] });
    await (await client.fetch('/ok?token=t')).text();
    expect(attemptUrls()).toEqual([`${loopback.fleet.urls[0]}/ok?token=t`]);
  });

  it.each([
    ['not an array', 'token', 'redactQueryParams'],
    ['an empty name', ['token', ''], 'redactQueryParams[1]'],
    ['a name that is not a string', [1], 'redactQueryParams[0]'],
  ])('refuses redactQueryParams that is %s', (_, value, option) => {
    const error = thrown(() => createClient({ service: 'svc', endpoints: ['http://127.0.0.1:1'], redactQueryParams: value as string[] }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe(option);
  });
});

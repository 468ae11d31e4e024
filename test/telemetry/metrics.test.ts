import { metrics } from '@opentelemetry/api';
import type { HistogramMetricData, MetricData } from '@opentelemetry/sdk-metrics';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createMesh, HTTP_DURATION_BUCKETS, ManualClock, type Discovery, type DiscoveryListener, type Endpoint } from '../../src/index.js';
import { switchyardMeter } from '../../src/metrics/meter.js';
import { startLoopbackFleet, type LoopbackFleet } from '../support/loopback.js';
import { metricsHarness, type MetricsHarness } from '../support/metrics.js';

let fleet: LoopbackFleet;
let harness: MetricsHarness;

beforeAll(async () => {
  fleet = await startLoopbackFleet(2);
});
afterAll(() => fleet.stop());
afterEach(async () => {
  await fleet.reset();
  await harness?.shutdown();
});

const points = (metric: MetricData | undefined) => (metric?.dataPoints ?? []) as { attributes: Record<string, unknown>; value: unknown }[];
const find = (metric: MetricData | undefined, attributes: Record<string, unknown>) =>
  points(metric).find((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v));

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

describe('HTTP client metrics with the OpenTelemetry metrics SDK', () => {
  it('records http.client.request.duration once per attempt, with the semantic-convention buckets and attributes', async () => {
    harness = metricsHarness();
    const client = createClient({ service: 'svc', endpoints: [fleet.urls[0]!], retry: { retries: 1, backoff: { initial: 1, max: 1 } }, breaker: false, meterProvider: harness.provider });
    await fleet.setMode(0, { status: 503 });
    await (await client.request({ path: '/x' })).body.dump();
    await fleet.setMode(0, {});
    await (await client.request({ path: '/y', method: 'POST', body: 'b' })).body.dump();
    await client.close();

    const collected = await harness.collect();
    const duration = collected.get('http.client.request.duration') as HistogramMetricData;
    expect(duration.descriptor.unit).toBe('s');
    const port = Number(new URL(fleet.urls[0]!).port);
    const common = { 'server.address': '127.0.0.1', 'server.port': port, 'url.scheme': 'http', 'switchyard.service': 'svc' };
    const failed = find(duration, { ...common, 'http.request.method': 'GET', 'http.response.status_code': 503, 'error.type': '503' });
    const ok = find(duration, { ...common, 'http.request.method': 'POST', 'http.response.status_code': 200 });
    expect((failed!.value as { count: number }).count).toBe(2); // the attempt and its retry
    expect((ok!.value as { count: number; buckets: { boundaries: number[] } }).count).toBe(1);
    expect(ok!.attributes['error.type']).toBeUndefined();
    expect((ok!.value as { buckets: { boundaries: number[] } }).buckets.boundaries).toEqual(HTTP_DURATION_BUCKETS);
    expect(points(duration)).toHaveLength(2);

    const active = collected.get('http.client.active_requests');
    expect(active!.descriptor.unit).toBe('{request}');
    expect(points(active).map((p) => [p.attributes['server.port'], p.value])).toEqual([[port, 0]]);
  });

  it('records a connection error with its code as error.type and no status', async () => {
    harness = metricsHarness();
    const client = createClient({ service: 'down', endpoints: [`http://127.0.0.1:${await closedPort()}`], retry: false, breaker: false, meterProvider: harness.provider });
    await expect(client.request({ path: '/' })).rejects.toThrow();
    await client.close();
    const duration = (await harness.collect()).get('http.client.request.duration');
    expect(points(duration)).toHaveLength(1);
    expect(points(duration)[0]!.attributes['error.type']).toBe('ECONNREFUSED');
    expect(points(duration)[0]!.attributes['http.response.status_code']).toBeUndefined();
  });

  it('records no duration for an attempt dropped before a byte was sent', async () => {
    harness = metricsHarness();
    const client = createClient({ service: 'svc', endpoints: [fleet.urls[0]!], retry: false, meterProvider: harness.provider });
    // undici refuses an upgrade header on a request before sending anything.
    await expect(client.request({ path: '/', headers: { upgrade: 'websocket' } })).rejects.toMatchObject({ code: 'UND_ERR_INVALID_ARG' });
    await client.close();
    const collected = await harness.collect();
    expect(points(collected.get('http.client.request.duration'))).toHaveLength(0);
    expect(points(collected.get('http.client.active_requests')).map((p) => p.value)).toEqual([0]);
  });

  it('httpMetrics: false leaves the HTTP client metrics to the undici instrumentation and keeps switchyard\'s own', async () => {
    harness = metricsHarness();
    const client = createClient({ service: 'svc', endpoints: fleet.urls, httpMetrics: false, meterProvider: harness.provider });
    await (await client.request({ path: '/' })).body.dump();
    const collected = await harness.collect();
    await client.close();
    expect(collected.has('http.client.request.duration')).toBe(false);
    expect(collected.has('http.client.active_requests')).toBe(false);
    expect(find(collected.get('switchyard.endpoints'), { 'switchyard.endpoint.state': 'healthy' })!.value).toBe(2);
  });
});

describe("switchyard's own metrics", () => {
  it('counts retries by reason and budget refusals', async () => {
    harness = metricsHarness();
    await fleet.setMode(0, { status: 503 });
    await fleet.setMode(1, { status: 503 });
    const client = createClient({
      service: 'svc',
      endpoints: fleet.urls,
      breaker: false,
      retry: { retries: 1, backoff: { initial: 1, max: 1 }, budget: { ratio: 0, minPerSecond: 0.2, window: 10_000 } },
      meterProvider: harness.provider,
    });
    // Two retries fit the budget's floor, the third call's retry is refused.
    for (let i = 0; i < 3; i++) await (await client.request({ path: '/' })).body.dump();
    await client.close();
    const collected = await harness.collect();
    expect(find(collected.get('switchyard.retries'), { 'switchyard.service': 'svc', 'switchyard.retry.reason': 'status 503' })!.value).toBe(2);
    expect(find(collected.get('switchyard.budget.exhausted'), { 'switchyard.service': 'svc', 'switchyard.budget.kind': 'retry' })!.value).toBe(1);
  });

  it('counts hedged attempts', async () => {
    harness = metricsHarness();
    await fleet.setMode(0, { delayMs: 150 });
    await fleet.setMode(1, { delayMs: 150 });
    const client = createClient({ service: 'svc', endpoints: fleet.urls, hedge: { delay: 20, budget: { ratio: 1, minPerSecond: 10 } }, meterProvider: harness.provider });
    await (await client.request({ path: '/' })).body.dump();
    await client.close();
    const collected = await harness.collect();
    expect(find(collected.get('switchyard.hedges'), { 'switchyard.service': 'svc', 'switchyard.hedge.reason': 'delay' })!.value).toBe(1);
    // Both attempts are recorded: the winner with its status, the loser as aborted.
    expect(points(collected.get('http.client.request.duration')).reduce((n, p) => n + (p.value as { count: number }).count, 0)).toBe(2);
  });

  it('counts rate-limit rejections and waits', async () => {
    harness = metricsHarness();
    const clock = new ManualClock();
    const client = createClient({ service: 'svc', endpoints: fleet.urls, limiter: { rate: 1, burst: 1, maxWait: 0 }, clock, meterProvider: harness.provider });
    await (await client.request({ path: '/' })).body.dump();
    await expect(client.request({ path: '/' })).rejects.toMatchObject({ code: 'SWITCHYARD_RATE_LIMITED' });
    await client.close();
    const waiting = createClient({ service: 'svc', endpoints: fleet.urls, limiter: { rate: 1, burst: 1, maxWait: 5_000 }, clock, meterProvider: harness.provider });
    await (await waiting.request({ path: '/' })).body.dump();
    const second = waiting.request({ path: '/' });
    await clock.advanceAsync(1_000, 100);
    await (await second).body.dump();
    await waiting.close();
    const collected = await harness.collect();
    expect(find(collected.get('switchyard.rate_limit.rejected'), { 'switchyard.service': 'svc' })!.value).toBe(1);
    expect(find(collected.get('switchyard.rate_limit.delayed'), { 'switchyard.service': 'svc' })!.value).toBe(1);
  });

  it('reads breaker state per endpoint, endpoints by state and ejections from the fleet', async () => {
    harness = metricsHarness();
    await fleet.setMode(0, { status: 503 });
    const client = createClient({
      service: 'svc',
      endpoints: fleet.urls,
      retry: false,
      breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeout: 60_000 },
      meterProvider: harness.provider,
    });
    for (let i = 0; i < 4; i++) await (await client.request({ path: '/' })).body.dump();
    const collected = await harness.collect();
    const [bad, good] = client.stats().sort((a, b) => (a.url === fleet.urls[0] ? -1 : b.url === fleet.urls[0] ? 1 : 0));
    expect(find(collected.get('switchyard.breaker.state'), { 'switchyard.endpoint': bad!.id })!.value).toBe(2);
    expect(find(collected.get('switchyard.breaker.state'), { 'switchyard.endpoint': good!.id })!.value).toBe(0);
    expect(find(collected.get('switchyard.endpoints'), { 'switchyard.service': 'svc', 'switchyard.endpoint.state': 'ejected' })!.value).toBe(1);
    expect(find(collected.get('switchyard.endpoints'), { 'switchyard.service': 'svc', 'switchyard.endpoint.state': 'healthy' })!.value).toBe(1);
    expect(find(collected.get('switchyard.ejections'), { 'switchyard.service': 'svc' })!.value).toBe(1);
    await client.close();
  });

  it('reports the config generation and how long discovery has been stale', async () => {
    harness = metricsHarness();
    const clock = new ManualClock();
    let listener: DiscoveryListener | undefined;
    const endpoints: Endpoint[] = [{ id: 'a', url: fleet.urls[0]!, weight: 1, zone: undefined, tags: {} }];
    const discovery: Discovery = {
      current: () => endpoints,
      subscribe(l) {
        listener = l;
        l.update(endpoints);
        return () => (listener = undefined);
      },
      ready: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    const mesh = createMesh({ config: { services: { inventory: { endpoints: fleet.urls } } }, discovery: { payments: discovery }, clock, meterProvider: harness.provider });
    mesh.apply({ services: { inventory: { endpoints: fleet.urls }, payments: {} } });
    clock.advance(1_000);
    listener!.error(new Error('registry down'));
    clock.advance(4_000);
    const collected = await harness.collect();
    expect(points(collected.get('switchyard.config.generation'))[0]!.value).toBe(2);
    expect(find(collected.get('switchyard.discovery.stale_age'), { 'switchyard.service': 'payments' })!.value).toBe(5); // since the last good snapshot, at 0
    expect(find(collected.get('switchyard.discovery.stale_age'), { 'switchyard.service': 'inventory' })!.value).toBe(0);
    listener!.update(endpoints);
    expect(find((await harness.collect()).get('switchyard.discovery.stale_age'), { 'switchyard.service': 'payments' })!.value).toBe(0);
    await mesh.close();
  });
});

describe('the meter', () => {
  it('is taken when the client is made: a global provider registered later is not seen', async () => {
    harness = metricsHarness();
    const before = createClient({ service: 'before', endpoints: fleet.urls });
    metrics.setGlobalMeterProvider(harness.provider);
    try {
      const after = createClient({ service: 'after', endpoints: fleet.urls });
      await (await before.request({ path: '/' })).body.dump();
      await (await after.request({ path: '/' })).body.dump();
      await Promise.all([before.close(), after.close()]);
    } finally {
      metrics.disable();
    }
    const services = points((await harness.collect()).get('http.client.request.duration')).map((p) => p.attributes['switchyard.service']);
    expect(services).toEqual(['after']);
  });

  it('is none without an SDK, so no metrics layer is built; a bad meterProvider is a ConfigError', () => {
    expect(switchyardMeter(undefined)).toBeUndefined();
    expect(() => createClient({ service: 'svc', endpoints: fleet.urls, meterProvider: {} as never })).toThrow('Invalid option meterProvider');
  });
});

import { EventEmitter } from 'node:events';
import Consul from 'consul';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { startConsulStandIn, type ConsulStandIn } from './consul-api.js';

// What the `consul` npm client (2.x) sees of the stand-in. These pin the part of Consul's HTTP API
// the provider relies on, so the provider's own tests exercise the real client against it.

/** A papi request context that returns `[response, body]` and can be cancelled. */
const context = (): EventEmitter & { includeResponse: boolean } => Object.assign(new EventEmitter(), { includeResponse: true });

interface HealthReply {
  headers: Record<string, string>;
}
type HealthEntry = { Service: { ID: string; Tags: string[]; Port: number; Meta: Record<string, string> }; Checks: { CheckID: string; Status: string }[] };

describe('contract test: the consul client against a Consul HTTP API stand-in', () => {
  let clock: ManualClock;
  let consulApi: ConsulStandIn;
  let client: Consul;

  beforeEach(async () => {
    clock = new ManualClock();
    consulApi = await startConsulStandIn({ clock });
    client = new Consul({ host: consulApi.host, port: consulApi.port });
  });
  afterEach(async () => {
    (client as unknown as { destroy(): void }).destroy();
    await consulApi.close();
  });

  const health = (options: Record<string, unknown>): Promise<[HealthReply, HealthEntry[]]> =>
    client.health.service({ ctx: context(), ...options } as never) as unknown as Promise<[HealthReply, HealthEntry[]]>;

  it('health.service lists instances with their checks, and passing=true leaves out the unhealthy ones', async () => {
    consulApi.putService({ id: 'web-1', name: 'web', address: '127.0.0.1', port: 8081, tags: ['v1'], meta: { version: '1' } });
    consulApi.putService({ id: 'web-2', name: 'web', address: '127.0.0.1', port: 8082, status: 'critical' });
    consulApi.putService({ id: 'db-1', name: 'db', address: '127.0.0.1', port: 5432 });

    const [res, all] = await health({ service: 'web' });
    expect(all.map((e) => e.Service.ID)).toEqual(['web-1', 'web-2']);
    expect(all[0]!.Service).toMatchObject({ Tags: ['v1'], Port: 8081, Meta: { version: '1' } });
    expect(all[1]!.Checks.map((c) => c.Status)).toEqual(['passing', 'critical']);
    expect(Number(res.headers['x-consul-index'])).toBeGreaterThan(0);

    const [, passing] = await health({ service: 'web', passing: true });
    expect(passing.map((e) => e.Service.ID)).toEqual(['web-1']);
    const [, tagged] = await health({ service: 'web', tag: 'v1' });
    expect(tagged.map((e) => e.Service.ID)).toEqual(['web-1']);
  });

  it('a blocking query holds until the service changes and then answers with a higher index', async () => {
    consulApi.putService({ id: 'web-1', name: 'web', address: '127.0.0.1', port: 8081 });
    const [first] = await health({ service: 'web' });
    const index = first.headers['x-consul-index']!;

    const blocked = health({ service: 'web', index, wait: '60s' });
    await expect.poll(() => consulApi.blocked).toBe(1);
    consulApi.putService({ id: 'web-2', name: 'web', address: '127.0.0.1', port: 8082 });
    const [res, entries] = await blocked;
    expect(entries).toHaveLength(2);
    expect(BigInt(res.headers['x-consul-index']!)).toBeGreaterThan(BigInt(index));
  });

  it('a blocking query whose wait runs out answers with the same index', async () => {
    consulApi.putService({ id: 'web-1', name: 'web', address: '127.0.0.1', port: 8081 });
    const [first] = await health({ service: 'web' });
    const blocked = health({ service: 'web', index: first.headers['x-consul-index'], wait: '10s' });
    await expect.poll(() => consulApi.blocked).toBe(1);
    clock.advance(10_000);
    const [res] = await blocked;
    expect(res.headers['x-consul-index']).toBe(first.headers['x-consul-index']);
  });

  it('an index moved backwards (a restored snapshot) is what the next reply reports', async () => {
    consulApi.putService({ id: 'web-1', name: 'web', address: '127.0.0.1', port: 8081 });
    const [first] = await health({ service: 'web' });
    consulApi.setIndex(1);
    const [res] = await health({ service: 'web' });
    expect(Number(res.headers['x-consul-index'])).toBeLessThan(Number(first.headers['x-consul-index']));
  });

  it('a cancelled blocking query is released on the server', async () => {
    const ctx = context();
    const blocked = client.health.service({ service: 'web', index: '1', wait: '60s', ctx } as never);
    await expect.poll(() => consulApi.blocked).toBe(1);
    ctx.emit('cancel');
    await expect(blocked).rejects.toThrow(/aborted/);
    await expect.poll(() => consulApi.blocked).toBe(0);
  });

  it('agent registration makes a TTL check that starts critical, passes, expires and is reaped', async () => {
    await client.agent.service.register({
      name: 'web',
      id: 'web-7',
      address: '127.0.0.1',
      port: 8087,
      tags: ['v2'],
      check: { ttl: '10s', deregistercriticalserviceafter: '1m' },
    } as never);
    expect(consulApi.registration('web-7')).toMatchObject({ Name: 'web', ID: 'web-7', Port: 8087, Check: { TTL: '10s', DeregisterCriticalServiceAfter: '1m' } });
    expect(consulApi.checkStatus('service:web-7')).toBe('critical');

    await client.agent.check.pass('service:web-7');
    expect(consulApi.checkStatus('service:web-7')).toBe('passing');
    const [, passing] = await health({ service: 'web', passing: true });
    expect(passing.map((e) => e.Service.ID)).toEqual(['web-7']);

    clock.advance(10_000);
    expect(consulApi.checkStatus('service:web-7')).toBe('critical');
    clock.advance(60_000);
    expect(consulApi.registration('web-7')).toBeUndefined();
  });

  it('passing an unknown check and deregistering an unknown service answer 404', async () => {
    await expect(client.agent.check.pass('service:nope')).rejects.toMatchObject({ statusCode: 404 });
    await expect(client.agent.service.deregister('nope')).rejects.toMatchObject({ statusCode: 404 });
    await client.agent.service.register({ name: 'web', id: 'web-1', port: 1, check: { ttl: '5s' } } as never);
    consulApi.restartAgent();
    await expect(client.agent.check.pass('service:web-1')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('deregistration removes the service and its checks', async () => {
    await client.agent.service.register({ name: 'web', id: 'web-1', port: 1, check: { ttl: '5s' } } as never);
    await client.agent.service.deregister('web-1');
    expect(consulApi.registration('web-1')).toBeUndefined();
    expect(consulApi.checkStatus('service:web-1')).toBeUndefined();
    const [, entries] = await health({ service: 'web' });
    expect(entries).toEqual([]);
  });

  it('kv.get decodes the value and reports the ModifyIndex; a missing key is undefined; a blocking get waits for a write', async () => {
    await client.kv.set('config/mesh', '{"services":{}}');
    const [res, entry] = (await client.kv.get({ key: 'config/mesh', ctx: context() } as never)) as unknown as [HealthReply, { Value: string; ModifyIndex: number }];
    expect(entry.Value).toBe('{"services":{}}');
    expect(String(entry.ModifyIndex)).toBe(res.headers['x-consul-index']);

    const [missingRes, missing] = (await client.kv.get({ key: 'nope', ctx: context() } as never)) as unknown as [HealthReply, unknown];
    expect(missing).toBeUndefined();
    expect(Number(missingRes.headers['x-consul-index'])).toBeGreaterThan(0);

    const blocked = client.kv.get({ key: 'config/mesh', index: res.headers['x-consul-index'], wait: '60s', ctx: context() } as never) as unknown as Promise<[HealthReply, { Value: string }]>;
    await expect.poll(() => consulApi.blocked).toBe(1);
    consulApi.putKey('config/mesh', 'v2');
    expect((await blocked)[1].Value).toBe('v2');
  });

  it('a stopped stand-in refuses connections and serves the same catalog when started again', async () => {
    consulApi.putService({ id: 'web-1', name: 'web', address: '127.0.0.1', port: 8081 });
    await consulApi.stop();
    await expect(health({ service: 'web' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await consulApi.start();
    const [, entries] = await health({ service: 'web' });
    expect(entries.map((e) => e.Service.ID)).toEqual(['web-1']);
  });
});

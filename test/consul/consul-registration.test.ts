import Consul from 'consul';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { consulDiscovery, registerConsul, type ConsulRegistration } from '../../src/consul.js';
import { ConfigError, DiscoveryError, ManualClock, seededRng } from '../../src/index.js';
import { startConsulStandIn, type ConsulStandIn } from '../support/consul-api.js';
import { watchResources } from '../support/resource-watch.js';

describe('registerConsul: contract test against a Consul HTTP API stand-in', () => {
  let clock: ManualClock;
  let consulApi: ConsulStandIn;
  let client: Consul;
  let registration: ConsulRegistration | undefined;

  beforeEach(async () => {
    clock = new ManualClock();
    consulApi = await startConsulStandIn({ clock });
    client = new Consul({ host: consulApi.host, port: consulApi.port });
  });
  afterEach(async () => {
    await registration?.close().catch(() => {});
    registration = undefined;
    (client as unknown as { destroy(): void }).destroy();
    await consulApi.close();
  });

  const register = async (options: Partial<Parameters<typeof registerConsul>[0]> = {}): Promise<ConsulRegistration> => {
    registration = registerConsul({ service: 'web', endpoint: 'http://127.0.0.1:8087', client, clock, rng: seededRng(2), ...options });
    await registration.ready();
    return registration;
  };

  /** Moves time on by `ms` in heartbeat-sized steps, letting each beat reach the stand-in. */
  const elapse = async (ms: number, step = 1_000): Promise<void> => {
    for (let t = 0; t < ms; t += step) {
      await clock.advanceAsync(step);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };

  it('registers the instance with a TTL check and resolves once the check passes', async () => {
    const r = await register({ tags: ['version=v2'], meta: { zone: 'a' } });
    expect(r.id).toBe('web-127.0.0.1-8087');
    expect(r.checkId).toBe('service:web-127.0.0.1-8087');
    expect(consulApi.registration(r.id)).toEqual({
      Name: 'web',
      ID: 'web-127.0.0.1-8087',
      Address: '127.0.0.1',
      Port: 8087,
      Tags: ['version=v2'],
      Meta: { zone: 'a' },
      Check: { TTL: '10000ms', DeregisterCriticalServiceAfter: '60000ms' },
    });
    expect(consulApi.checkStatus(r.checkId)).toBe('passing');
    expect(r.registered).toBe(true);

    const discovery = consulDiscovery({ service: 'web', client, clock });
    await discovery.ready();
    expect(discovery.current().map((e) => [e.url, e.tags])).toEqual([['http://127.0.0.1:8087', { version: 'v2', zone: 'a' }]]);
    await discovery.close();
  });

  it('keeps the check passing past many TTLs by passing it every ttl / 3', async () => {
    const r = await register({ ttlMs: 3_000 });
    await elapse(30_000);
    expect(consulApi.checkStatus(r.checkId)).toBe('passing');
    // Every 1 s on the clock; a beat re-arms when its pass returns, so count at least one per TTL.
    expect(consulApi.passes(r.checkId)).toBeGreaterThanOrEqual(10);
    expect(r.registered).toBe(true);
  });

  it('registers again when the agent forgets the check (an agent restarted without its state)', async () => {
    const errors: unknown[] = [];
    const r = await register({ ttlMs: 3_000, onError: (e) => errors.push(e) });
    consulApi.restartAgent();
    expect(consulApi.registration(r.id)).toBeUndefined();
    // The next beat's pass gets 404; the registration backs off (at most ttl / 3) and registers again.
    await elapse(3_000);
    expect(errors).toHaveLength(1);
    expect((errors[0] as DiscoveryError).message).toMatch(/check pass failed/);
    await expect.poll(() => consulApi.checkStatus(r.checkId)).toBe('passing');
    expect(consulApi.registration(r.id)).toMatchObject({ Name: 'web', Port: 8087 });
  });

  it('reports each failed heartbeat while the agent is down and recovers when it is back', async () => {
    const errors: unknown[] = [];
    const r = await register({ ttlMs: 3_000, onError: (e) => errors.push(e) });
    await consulApi.stop();
    await elapse(4_000);
    await expect.poll(() => errors.length).toBeGreaterThanOrEqual(2);
    expect(errors[0]).toBeInstanceOf(DiscoveryError);
    expect((errors[0] as DiscoveryError).message).toMatch(/consul registration web-127.0.0.1-8087: check pass failed/);
    expect((errors[1] as DiscoveryError).message).toMatch(/registration failed/);
    expect(r.registered).toBe(false);
    // Down longer than the TTL: the check turned critical.
    expect(consulApi.checkStatus(r.checkId)).toBe('critical');

    await consulApi.start();
    await elapse(2_000);
    await expect.poll(() => consulApi.checkStatus(r.checkId)).toBe('passing');
    expect(r.registered).toBe(true);
  });

  it('close() deregisters the service and leaves no timer or socket behind', async () => {
    const resources = watchResources();
    const r = await register({ client: undefined, consul: { host: consulApi.host, port: consulApi.port } });
    await elapse(4_000);
    await Promise.all([r.close(), r.close()]);
    registration = undefined;
    expect(consulApi.registration(r.id)).toBeUndefined();
    expect(consulApi.requests.at(-1)).toMatchObject({ method: 'PUT', path: `/v1/agent/service/deregister/${r.id}` });
    expect(clock.pendingTimers).toBe(0);
    expect(await resources.settled()).toEqual([]);
  });

  it('close() reports a deregistration the agent cannot take to onError, and stops', async () => {
    const errors: unknown[] = [];
    const r = await register({ onError: (e) => errors.push(e) });
    await consulApi.stop();
    await r.close();
    registration = undefined;
    expect(errors.map((e) => (e as Error).message)).toEqual([expect.stringMatching(/deregistration failed/)]);
    await consulApi.start();
    const passes = consulApi.passes(r.checkId);
    await elapse(10_000);
    expect(consulApi.passes(r.checkId)).toBe(passes);
  });

  it('ready() rejects with the first failure, and the registration goes on trying', async () => {
    consulApi.failNext('/v1/agent/service/register', 500);
    registration = registerConsul({ service: 'web', endpoint: 'http://127.0.0.1:8087', client, clock, rng: seededRng(2) });
    await expect(registration.ready()).rejects.toBeInstanceOf(DiscoveryError);
    // Backoff: 500 ms doubling, at most ttl / 3; the first retry comes within 500 ms.
    await elapse(500, 100);
    await expect.poll(() => consulApi.checkStatus(registration!.checkId)).toBe('passing');
    expect(registration.registered).toBe(true);
  });

  it.each([
    [{ service: 'web', endpoint: 'ftp://x:1' }, 'endpoint.url'],
    [{ service: '', endpoint: 'http://127.0.0.1:1' }, 'service'],
    [{ service: 'web', endpoint: 'http://127.0.0.1:1', ttlMs: 500 }, 'ttlMs'],
    [{ service: 'web', endpoint: 'http://127.0.0.1:1', deregisterCriticalAfterMs: 1_000 }, 'deregisterCriticalAfterMs'],
    [{ service: 'web', endpoint: 'http://127.0.0.1:1', tags: 'v2' }, 'tags'],
    [{ service: 'web', endpoint: 'http://127.0.0.1:1', meta: { a: 1 } }, 'meta'],
    [{ service: 'web', endpoint: 'http://127.0.0.1:1', onError: 'log' }, 'onError'],
  ])('rejects bad options naming the option (%j)', (options, option) => {
    expect(() => registerConsul(options as never)).toThrow(ConfigError);
    expect(() => registerConsul(options as never)).toThrow(expect.objectContaining({ option }));
  });
});

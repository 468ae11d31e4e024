import Consul from 'consul';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { consulConfig } from '../../src/consul.js';
import { ConfigError, createMesh, DiscoveryError, ManualClock, seededRng, type ConfigEvent, type ConfigSource, type Mesh } from '../../src/index.js';
import { startConsulStandIn, type ConsulStandIn } from '../support/consul-api.js';
import { watchResources } from '../support/resource-watch.js';

const json = (routes: string[]): string =>
  JSON.stringify({ services: { payments: { endpoints: ['http://127.0.0.1:1'], routes: routes.map((name) => ({ name })) } } });

/** Resolves with the next event of `name` the mesh emits. */
function next(mesh: Mesh, name: 'config-applied' | 'config-rejected'): Promise<ConfigEvent & { error?: unknown }> {
  return new Promise((resolve) => {
    const off = mesh.on(name, (e) => {
      off();
      resolve(e);
    });
  });
}

function recorder() {
  const updates: [unknown, string | undefined][] = [];
  const errors: unknown[] = [];
  return { updates, errors, listener: { update: (c: unknown, v?: string) => void updates.push([c, v]), error: (e: unknown) => void errors.push(e) } };
}

describe('consulConfig: contract test against a Consul HTTP API stand-in', () => {
  let consulApi: ConsulStandIn;
  let client: Consul;
  const closing: { close(): Promise<void> }[] = [];

  beforeEach(async () => {
    consulApi = await startConsulStandIn();
    client = new Consul({ host: consulApi.host, port: consulApi.port });
  });
  afterEach(async () => {
    await Promise.all(closing.splice(0).map((c) => c.close()));
    (client as unknown as { destroy(): void }).destroy();
    await consulApi.close();
  });

  it('applies the key, follows each write as it happens, and versions each by its ModifyIndex', async () => {
    consulApi.putKey('config/mesh.json', json(['a']));
    const mesh = createMesh({ source: consulConfig({ key: 'config/mesh.json', client, minIntervalMs: 0 }), tracing: false });
    closing.push(mesh);
    await mesh.ready();
    expect(mesh.stats().services.payments!.routes).toEqual(['a']);
    const first = mesh.config()!.version!;
    expect(first).toMatch(/^\d+$/);

    await expect.poll(() => consulApi.blocked).toBe(1);
    const applied = next(mesh, 'config-applied');
    consulApi.putKey('config/mesh.json', json(['a', 'b']));
    expect(Number((await applied).version)).toBeGreaterThan(Number(first));
    expect(mesh.stats().services.payments!.routes).toEqual(['a', 'b']);
  });

  it('reads YAML when the key says so', async () => {
    consulApi.putKey('config/mesh.yaml', 'services:\n  payments:\n    endpoints: ["http://127.0.0.1:1"]\n    routes: [{ name: y }]\n');
    const mesh = createMesh({ source: consulConfig({ key: 'config/mesh.yaml', client }), tracing: false });
    closing.push(mesh);
    await mesh.ready();
    expect(mesh.stats().services.payments!.routes).toEqual(['y']);
  });

  it('keeps the active config when the value turns malformed or invalid, and says why', async () => {
    consulApi.putKey('config/mesh.json', json(['a']));
    const mesh = createMesh({ source: consulConfig({ key: 'config/mesh.json', client, minIntervalMs: 0 }), tracing: false });
    closing.push(mesh);
    await mesh.ready();
    await expect.poll(() => consulApi.blocked).toBe(1);

    let rejected = next(mesh, 'config-rejected');
    consulApi.putKey('config/mesh.json', '{ not json');
    expect((await rejected).error).toBeInstanceOf(ConfigError);
    expect(((await rejected).error as ConfigError).option).toBe('consul key config/mesh.json');

    await expect.poll(() => consulApi.blocked).toBe(1);
    rejected = next(mesh, 'config-rejected');
    consulApi.putKey('config/mesh.json', JSON.stringify({ services: { payments: { endpoints: [] } } }));
    await rejected;
    expect(mesh.stats().services.payments!.routes).toEqual(['a']);
  });

  it('reports a missing key, then applies it once it is written', async () => {
    const source = consulConfig({ key: 'config/later.json', client, minIntervalMs: 0 });
    closing.push(source);
    const r = recorder();
    source.subscribe(r.listener);
    await source.ready();
    expect(r.errors[0]).toBeInstanceOf(ConfigError);
    expect(r.errors[0]).toMatchObject({ option: 'key', value: 'config/later.json' });
    await expect.poll(() => consulApi.blocked).toBe(1);
    consulApi.putKey('config/later.json', json(['late']));
    await expect.poll(() => r.updates.length).toBe(1);
  });

  it('a failed read is reported as a DiscoveryError and starts over after a backoff', async () => {
    const clock = new ManualClock();
    consulApi.putKey('config/mesh.json', json(['a']));
    const source = consulConfig({ key: 'config/mesh.json', client, clock, rng: seededRng(3), backoff: { initialMs: 100, maxMs: 1_000 } });
    closing.push(source);
    const r = recorder();
    source.subscribe(r.listener);
    await source.ready();
    consulApi.failNext('/v1/kv/', 503);
    await clock.advanceAsync(250);
    await expect.poll(() => r.errors.length).toBe(1);
    expect(r.errors[0]).toBeInstanceOf(DiscoveryError);
    expect((r.errors[0] as DiscoveryError).provider).toBe('consul config config/mesh.json');
    const reads = (): number => consulApi.requests.filter((q) => q.path.startsWith('/v1/kv/')).length;
    const before = reads();
    // Equal jitter: the first retry waits 50 to 100 ms; it reads at once, then blocks again.
    await clock.advanceAsync(49);
    expect(reads()).toBe(before);
    await clock.advanceAsync(51);
    await expect.poll(reads).toBe(before + 1);
    await clock.advanceAsync(250);
    await expect.poll(() => consulApi.blocked).toBe(1);
    // The same value read again is not delivered twice.
    expect(r.updates).toHaveLength(1);
  });

  it('close() cancels the blocking read and leaves no socket or timer behind', async () => {
    consulApi.putKey('config/mesh.json', json(['a']));
    const resources = watchResources();
    const source: ConfigSource = consulConfig({ key: 'config/mesh.json', consul: { host: consulApi.host, port: consulApi.port }, minIntervalMs: 0 });
    source.subscribe({ update: () => {}, error: () => {} });
    await source.ready();
    await expect.poll(() => consulApi.blocked).toBe(1);
    await source.close();
    await expect.poll(() => consulApi.blocked).toBe(0);
    expect(await resources.settled()).toEqual([]);
  });

  it.each([
    [{ key: '' }, 'key'],
    [{ key: 'k', format: 'toml' }, 'format'],
    [{ key: 'k', waitMs: 0 }, 'waitMs'],
    [{ key: 'k', backoff: { initialMs: 0 } }, 'backoff.initialMs'],
    [{ key: 'k', client: 'consul' }, 'client'],
  ])('rejects bad options naming the option (%j)', (options, option) => {
    expect(() => consulConfig(options as never)).toThrow(expect.objectContaining({ option }));
  });
});

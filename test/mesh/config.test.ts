import { describe, expect, it } from 'vitest';
import { ConfigError, createMesh, ManualClock, seededRng, type ConfigEvent, type MeshConfig } from '../../src/index.js';
import { parseMeshConfig } from '../../src/mesh/mesh-config.js';

const E = 'http://127.0.0.1:1';
const base = (): MeshConfig => ({
  services: {
    payments: {
      endpoints: [
        { url: 'http://127.0.0.1:1', tags: { version: 'v1' } },
        { url: 'http://127.0.0.1:2', tags: { version: 'v2' } },
      ],
      subsets: { v1: { tags: { version: 'v1' } }, v2: { tags: { version: 'v2' } } },
      routes: [{ name: 'canary', split: [{ subset: 'v1', weight: 90 }, { subset: 'v2', weight: 10 }] }],
    },
  },
});

/** Invalid configs and the option path their error must name. */
const INVALID: ReadonlyArray<[string, unknown, string]> = [
  ['services missing', {}, 'services'],
  ['an unknown top-level key', { services: {}, servises: {} }, 'servises'],
  ['a bad service name', { services: { 'bad name': { endpoints: [E] } } }, 'services.bad name'],
  ['a service given twice', { services: { Pay: { endpoints: [E] }, pay: { endpoints: [E] } } }, 'services.pay'],
  ['no endpoints and no provider', { services: { payments: {} } }, 'services.payments.endpoints'],
  ['a misspelt service option', { services: { payments: { endpoints: [E], retires: 2 } } }, 'services.payments.retires'],
  ['a bad endpoint url', { services: { payments: { endpoints: ['nope'] } } }, 'services.payments.endpoints[0].url'],
  ['a bad balancer', { services: { payments: { endpoints: [E], balancer: 'fastest' } } }, 'services.payments.balancer'],
  ['a negative timeout', { services: { payments: { endpoints: [E], timeout: { total: -1 } } } }, 'services.payments.timeout.total'],
  ['a subset without tags', { services: { payments: { endpoints: [E], subsets: { v2: {} } } } }, 'services.payments.subsets.v2.tags'],
  ['a non-string tag', { services: { payments: { endpoints: [E], subsets: { v2: { tags: { version: 2 } } } } } }, 'services.payments.subsets.v2.tags.version'],
  ['routes not an array', { services: { payments: { endpoints: [E], routes: {} } } }, 'services.payments.routes'],
  ['a split to an unknown subset', { services: { payments: { endpoints: [E], routes: [{ split: [{ subset: 'v3', weight: 1 }] }] } } }, 'services.payments.routes[0].split[0].subset'],
  ['a negative weight', { services: { payments: { endpoints: [E], routes: [{ split: [{ weight: -1 }] }] } } }, 'services.payments.routes[0].split[0].weight'],
  ['all weights zero', { services: { payments: { endpoints: [E], routes: [{ split: [{ weight: 0 }] }] } } }, 'services.payments.routes[0].split'],
  ['split and subset both', { services: { payments: { endpoints: [E], subsets: { a: { tags: { x: 'y' } } }, routes: [{ subset: 'a', split: [{ weight: 1 }] }] } } }, 'services.payments.routes[0].subset'],
  ['two path matches', { services: { payments: { endpoints: [E], routes: [{ match: { path: { exact: '/a', prefix: '/a' } } }] } } }, 'services.payments.routes[0].match.path'],
  ['a broken regex', { services: { payments: { endpoints: [E], routes: [{ match: { path: { regex: '(' } } }] } } }, 'services.payments.routes[0].match.path.regex'],
  ['a header match with two kinds', { services: { payments: { endpoints: [E], routes: [{ match: { headers: [{ name: 'x', exact: 'a', prefix: 'a' }] } }] } } }, 'services.payments.routes[0].match.headers[0]'],
  ['a header match without a name', { services: { payments: { endpoints: [E], routes: [{ match: { headers: [{ present: true }] } }] } } }, 'services.payments.routes[0].match.headers[0].name'],
  ['an empty method list', { services: { payments: { endpoints: [E], routes: [{ match: { method: [] } }] } } }, 'services.payments.routes[0].match.method'],
  ['a route retry typo', { services: { payments: { endpoints: [E], routes: [{ retry: { retry: 1 } }] } } }, 'services.payments.routes[0].retry.retry'],
  ['a duplicate route name', { services: { payments: { endpoints: [E], routes: [{ name: 'a' }, { name: 'a' }] } } }, 'services.payments.routes[1].name'],
  ['a __proto__ key in a service', JSON.parse('{"services":{"payments":{"endpoints":["http://127.0.0.1:1"],"__proto__":{"x":1}}}}'), 'services.payments.__proto__'],
];

describe('mesh config validation', () => {
  it.each(INVALID)('rejects %s, naming the option path', (_name, config, path) => {
    let error: unknown;
    try {
      parseMeshConfig(config, new Map());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe(path);
  });

  it('accepts a full config: subsets, routes with every kind of match and override', () => {
    const settings = parseMeshConfig(
      {
        version: 7,
        services: {
          payments: {
            endpoints: [{ url: E, tags: { version: 'v1' } }],
            subsets: { v1: { tags: { version: 'v1' }, maxEjectionPercent: 100 } },
            routes: [
              {
                name: 'beta-users',
                match: { path: { prefix: '/v1/' }, method: ['get', 'POST'], headers: [{ name: 'X-Beta', exact: '1' }, { name: 'x-debug', present: false }] },
                subset: 'v1',
                timeout: { attempt: 100 },
                retry: false,
                hedge: { delay: 10 },
                balancer: 'p2c',
              },
            ],
          },
        },
      },
      new Map(),
    );
    expect(settings.version).toBe('7');
    const service = settings.services.get('payments')!;
    const route = service.routes[0]!;
    expect(route.name).toBe('beta-users');
    // A route's timeout keeps the service's limits it does not set.
    expect(route.timeout).toEqual({ attempt: 100, total: 30_000, body: Infinity });
    expect(route.retry).toBe(false);
    expect(route.balancer?.name).toBe('p2c');
    expect(route.matches('GET', '/v1/x', { 'x-beta': '1' })).toBe(true);
    expect(route.matches('GET', '/v1/x', { 'x-beta': '1', 'x-debug': 'y' })).toBe(false);
    expect(route.matches('DELETE', '/v1/x', { 'x-beta': '1' })).toBe(false);
    expect(route.matches('GET', '/v2/x', { 'x-beta': '1' })).toBe(false);
  });
});

describe('route matches', () => {
  const matcher = (match: unknown) => parseMeshConfig({ services: { s: { endpoints: [E], routes: [{ match }] } } }, new Map()).services.get('s')!.routes[0]!.matches;

  it.each([
    [{ path: { exact: '/a' } }, 'GET', '/a', {}, true],
    [{ path: { exact: '/a' } }, 'GET', '/a/b', {}, false],
    [{ path: { prefix: '/a' } }, 'GET', '/a/b', {}, true],
    [{ path: { prefix: '/a' } }, 'GET', '/b', {}, false],
    [{ path: { regex: '/items/[0-9]+' } }, 'GET', '/items/42', {}, true],
    // Anchored: a regex must match the whole path.
    [{ path: { regex: '/items/[0-9]+' } }, 'GET', '/items/42/x', {}, false],
    [{ method: 'post' }, 'POST', '/', {}, true],
    [{ method: ['PUT', 'PATCH'] }, 'GET', '/', {}, false],
    [{ headers: [{ name: 'x-user', prefix: 'beta-' }] }, 'GET', '/', { 'x-user': 'beta-7' }, true],
    [{ headers: [{ name: 'x-user', prefix: 'beta-' }] }, 'GET', '/', {}, false],
    [{ headers: [{ name: 'x-user', regex: 'u[0-9]' }] }, 'GET', '/', { 'x-user': 'u1' }, true],
    [{ headers: [{ name: 'x-user', regex: 'u[0-9]' }] }, 'GET', '/', { 'x-user': 'u12' }, false],
    [{ headers: [{ name: 'x-canary', present: true }] }, 'GET', '/', { 'x-canary': '' }, true],
    [{ headers: [{ name: 'x-canary', exact: '1', invert: true }] }, 'GET', '/', { 'x-canary': '1' }, false],
    [{ headers: [{ name: 'x-canary', exact: '1', invert: true }] }, 'GET', '/', {}, true],
  ] as const)('%j on %s %s %j: %s', (match, method, path, headers, expected) => {
    expect(matcher(match)(method, path, headers)).toBe(expected);
  });
});

describe('mesh.apply, config() and rollback()', () => {
  const mesh = () => createMesh({ config: base(), clock: new ManualClock(), rng: seededRng(1), tracing: false });

  it('reports the active config with its version and generation', async () => {
    const m = mesh();
    expect(m.config()).toMatchObject({ version: '1', generation: 1 });
    expect(m.apply({ ...base(), version: 'v-two' })).toBe('v-two');
    expect(m.apply(base(), 'from-etcd-42')).toBe('from-etcd-42');
    expect(m.config()).toMatchObject({ version: 'from-etcd-42', generation: 3 });
    await m.close();
  });

  it('rejects an invalid config whole, keeps the active one and says why in config-rejected', async () => {
    const m = mesh();
    const rejected: Array<ConfigEvent & { error: unknown }> = [];
    const applied: ConfigEvent[] = [];
    m.on('config-rejected', (e) => rejected.push(e));
    m.on('config-applied', (e) => applied.push(e));
    const bad = base();
    bad.version = 'bad';
    bad.services.payments!.routes = [{ split: [{ subset: 'v9', weight: 1 }] }];
    expect(() => m.apply(bad)).toThrow(ConfigError);
    expect(m.config()).toMatchObject({ version: '1', generation: 1 });
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ version: 'bad', generation: 1 });
    expect((rejected[0]!.error as ConfigError).option).toBe('services.payments.routes[0].split[0].subset');
    expect(applied).toHaveLength(0);
    expect(m.stats().services.payments!.routes).toEqual(['canary']);
    await m.close();
  });

  it('rolls back to the previous config, and has nothing to roll back to at first', async () => {
    const m = mesh();
    expect(m.rollback()).toBeUndefined();
    const next = base();
    next.version = 'no-routes';
    delete next.services.payments!.routes;
    m.apply(next);
    expect(m.stats().services.payments!.routes).toEqual([]);
    expect(m.rollback()).toBe('1');
    expect(m.config()).toMatchObject({ version: '1', generation: 3 });
    expect(m.stats().services.payments!.routes).toEqual(['canary']);
    await m.close();
  });

  it('needs exactly one of config and source, and validates the discovery map', () => {
    expect(() => createMesh({})).toThrow(ConfigError);
    expect(() => createMesh({ config: base(), discovery: { payments: {} as never } })).toThrow(expect.objectContaining({ option: 'discovery.payments' }));
  });
});

import { describe, expectTypeOf, it } from 'vitest';
import {
  createMesh,
  fileConfig,
  type ActiveConfig,
  type CallTimeout,
  type Client,
  type ClientOptions,
  type ConfigEvent,
  type ConfigFormat,
  type ConfigListener,
  type ConfigSource,
  type EndpointStats,
  type FileConfigOptions,
  type HeaderMatchOptions,
  type Mesh,
  type MeshConfig,
  type MeshOptions,
  type MeshStats,
  type PathMatchOptions,
  type RouteMatchOptions,
  type RouteOptions,
  type RuntimeOptions,
  type ServiceOptions,
  type ServiceStats,
  type SplitOptions,
  type SubsetOptions,
} from '../../src/index.js';

describe('mesh types', () => {
  it('createMesh takes a config or a source and returns a Mesh', () => {
    expectTypeOf(createMesh).parameter(0).toEqualTypeOf<MeshOptions>();
    expectTypeOf(createMesh).returns.toEqualTypeOf<Mesh>();
    expectTypeOf<MeshOptions>().toHaveProperty('config').toEqualTypeOf<MeshConfig | undefined>();
    expectTypeOf<MeshOptions>().toHaveProperty('source').toEqualTypeOf<ConfigSource | undefined>();
    expectTypeOf<MeshOptions>().toMatchTypeOf<RuntimeOptions>();
  });

  it('a mesh hands out clients, fetches by host, applies, rolls back and reports', () => {
    expectTypeOf<Mesh['client']>().returns.toEqualTypeOf<Client>();
    expectTypeOf<Mesh['fetch']>().returns.toEqualTypeOf<Promise<Response>>();
    expectTypeOf<Mesh['apply']>().parameters.toEqualTypeOf<[MeshConfig, (string | undefined)?]>();
    expectTypeOf<Mesh['apply']>().returns.toEqualTypeOf<string>();
    expectTypeOf<Mesh['rollback']>().returns.toEqualTypeOf<string | undefined>();
    expectTypeOf<Mesh['config']>().returns.toEqualTypeOf<ActiveConfig | undefined>();
    expectTypeOf<Mesh['stats']>().returns.toEqualTypeOf<MeshStats>();
    expectTypeOf<MeshStats['services'][string]>().toEqualTypeOf<ServiceStats>();
    expectTypeOf<ServiceStats['endpoints']>().toEqualTypeOf<EndpointStats[]>();
    expectTypeOf<Mesh['ready']>().returns.toEqualTypeOf<Promise<void>>();
  });

  it('accepts the shapes of a canary config', () => {
    const subset: SubsetOptions = { tags: { version: 'v2' }, maxEjectionPercent: 50 };
    const path: PathMatchOptions = { prefix: '/v1/' };
    const header: HeaderMatchOptions = { name: 'x-beta', present: true, invert: false };
    const match: RouteMatchOptions = { path, method: ['GET'], headers: [header] };
    const split: SplitOptions[] = [{ subset: 'v1', weight: 90 }, { subset: 'v2', weight: 10 }];
    const route: RouteOptions = { name: 'canary', match, split, timeout: { total: 1_000 }, retry: false, balancer: 'p2c' };
    const service: ServiceOptions = { endpoints: ['http://127.0.0.1:8081'], subsets: { v1: { tags: { version: 'v1' } }, v2: subset }, routes: [route] };
    const config: MeshConfig = { version: 3, services: { payments: service } };
    expectTypeOf(config).toMatchTypeOf<MeshConfig>();
    // createClient takes the same service options.
    expectTypeOf<ClientOptions>().toMatchTypeOf<ServiceOptions & { service: string }>();
  });

  it('config sources deliver whole configs with a version', () => {
    expectTypeOf(fileConfig).parameters.toEqualTypeOf<[string, (FileConfigOptions | undefined)?]>();
    expectTypeOf(fileConfig).returns.toEqualTypeOf<ConfigSource>();
    expectTypeOf<FileConfigOptions['format']>().toEqualTypeOf<ConfigFormat | undefined>();
    expectTypeOf<ConfigListener['update']>().parameters.toEqualTypeOf<[unknown, (string | undefined)?]>();
    expectTypeOf<ConfigSource['subscribe']>().returns.toEqualTypeOf<() => void>();
  });

  it('config events and call time limits', () => {
    expectTypeOf<ConfigEvent>().toEqualTypeOf<{ readonly time: number; readonly version: string | undefined; readonly generation: number }>();
    expectTypeOf<CallTimeout>().toEqualTypeOf<{ readonly attempt: number; readonly total: number; readonly body: number }>();
  });
});

import type { KubeConfig } from '@kubernetes/client-node';
import type Consul from 'consul';
import { describe, expectTypeOf, it } from 'vitest';
import {
  consulConfig,
  consulDiscovery,
  registerConsul,
  type ConsulClient,
  type ConsulConfigOptions,
  type ConsulConnection,
  type ConsulDiscoveryOptions,
  type ConsulRegistration,
  type ConsulRegistrationOptions,
} from '../../src/consul.js';
import type { ConfigSource, ManagedDiscovery } from '../../src/index.js';
import { kubernetesDiscovery, type KubeConfigLike, type KubernetesDiscoveryOptions } from '../../src/kubernetes.js';

describe('switchyard/consul types', () => {
  it('consulDiscovery, registerConsul and consulConfig take their options and return a provider, a registration and a config source', () => {
    expectTypeOf(consulDiscovery).parameter(0).toEqualTypeOf<ConsulDiscoveryOptions>();
    expectTypeOf(consulDiscovery).returns.toEqualTypeOf<ManagedDiscovery>();
    expectTypeOf(registerConsul).parameter(0).toEqualTypeOf<ConsulRegistrationOptions>();
    expectTypeOf(registerConsul).returns.toEqualTypeOf<ConsulRegistration>();
    expectTypeOf(consulConfig).parameter(0).toEqualTypeOf<ConsulConfigOptions>();
    expectTypeOf(consulConfig).returns.toEqualTypeOf<ConfigSource>();
  });

  it('a client from the consul package is a ConsulClient; a connection is host, port, secure and token', () => {
    expectTypeOf<Consul>().toMatchTypeOf<ConsulClient>();
    expectTypeOf<ConsulConnection>().toEqualTypeOf<{ host?: string; port?: number; secure?: boolean; token?: string }>();
    expectTypeOf<ConsulDiscoveryOptions['passingOnly']>().toEqualTypeOf<boolean | undefined>();
  });

  it('a registration is ready() once registered, tells onError of failures, and closes with a promise', () => {
    expectTypeOf<NonNullable<ConsulRegistrationOptions['onError']>>().parameter(0).toEqualTypeOf<unknown>();
    expectTypeOf<ConsulRegistration['ready']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<ConsulRegistration['registered']>().toEqualTypeOf<boolean>();
    expectTypeOf<ConsulRegistration['close']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<ConsulRegistration['id']>().toEqualTypeOf<string>();
  });
});

describe('switchyard/kubernetes types', () => {
  it('kubernetesDiscovery takes a KubeConfig from @kubernetes/client-node and returns a provider', () => {
    expectTypeOf(kubernetesDiscovery).parameter(0).toEqualTypeOf<KubernetesDiscoveryOptions>();
    expectTypeOf(kubernetesDiscovery).returns.toEqualTypeOf<ManagedDiscovery>();
    expectTypeOf<KubeConfig>().toMatchTypeOf<KubeConfigLike>();
    expectTypeOf<KubernetesDiscoveryOptions['port']>().toEqualTypeOf<string | number | undefined>();
  });
});

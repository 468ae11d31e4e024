import type { Etcd3 } from 'etcd3';
import { describe, expectTypeOf, it } from 'vitest';
import { dnsDiscovery, type DnsDiscoveryOptions } from '../../src/dns.js';
import { etcdConfig, etcdDiscovery, registerEtcd, type EtcdConfigOptions, type EtcdDiscoveryOptions, type EtcdRegistration, type EtcdRegistrationOptions } from '../../src/etcd.js';
import { fileDiscovery, type FileDiscoveryOptions } from '../../src/file.js';
import type { ConfigFormat, ConfigSource, EndpointInput, ManagedDiscovery } from '../../src/index.js';

describe('provider subpath types', () => {
  it('switchyard/file', () => {
    expectTypeOf(fileDiscovery).parameters.toEqualTypeOf<[path: string, options?: FileDiscoveryOptions]>();
    expectTypeOf(fileDiscovery).returns.toEqualTypeOf<ManagedDiscovery>();
    expectTypeOf<FileDiscoveryOptions['format']>().toEqualTypeOf<ConfigFormat | undefined>();
  });

  it('switchyard/dns', () => {
    expectTypeOf(dnsDiscovery).parameter(0).toEqualTypeOf<DnsDiscoveryOptions>();
    expectTypeOf(dnsDiscovery).returns.toEqualTypeOf<ManagedDiscovery>();
    expectTypeOf<DnsDiscoveryOptions['type']>().toEqualTypeOf<'A' | 'AAAA' | 'A+AAAA' | 'SRV' | undefined>();
    expectTypeOf<DnsDiscoveryOptions['servers']>().toEqualTypeOf<readonly string[] | undefined>();
  });

  it('switchyard/etcd', () => {
    expectTypeOf(etcdDiscovery).parameter(0).toEqualTypeOf<EtcdDiscoveryOptions>();
    expectTypeOf(etcdDiscovery).returns.toEqualTypeOf<ManagedDiscovery>();
    expectTypeOf<EtcdDiscoveryOptions['client']>().toEqualTypeOf<Etcd3 | undefined>();
    expectTypeOf(registerEtcd).parameter(0).toEqualTypeOf<EtcdRegistrationOptions>();
    expectTypeOf(registerEtcd).returns.toEqualTypeOf<EtcdRegistration>();
    expectTypeOf<EtcdRegistrationOptions['endpoint']>().toEqualTypeOf<EndpointInput>();
    expectTypeOf<EtcdRegistration['ready']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<EtcdRegistration['registered']>().toBeBoolean();
    expectTypeOf(etcdConfig).parameter(0).toEqualTypeOf<EtcdConfigOptions>();
    expectTypeOf(etcdConfig).returns.toEqualTypeOf<ConfigSource>();
  });
});

/**
 * `switchyard/etcd`: endpoints from an etcd v3 key prefix, self-registration under a lease, and
 * the mesh config from an etcd key. Needs the optional peer dependency `etcd3`.
 * @packageDocumentation
 */
export { etcdDiscovery } from './discovery/etcd-discovery.js';
export type { EtcdDiscoveryOptions } from './discovery/etcd-discovery.js';
export { registerEtcd } from './discovery/etcd-registration.js';
export type { EtcdRegistration, EtcdRegistrationOptions } from './discovery/etcd-registration.js';
export { etcdConfig } from './mesh/etcd-config.js';
export type { EtcdConfigOptions } from './mesh/etcd-config.js';

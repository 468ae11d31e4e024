/**
 * `switchyard/consul`: discovery, self-registration and mesh config on Consul, over the `consul`
 * npm client (an optional peer dependency, imported on first use).
 */
export { consulDiscovery } from './consul/consul-discovery.js';
export type { ConsulDiscoveryOptions } from './consul/consul-discovery.js';
export { registerConsul } from './consul/consul-registration.js';
export type { ConsulRegistration, ConsulRegistrationOptions } from './consul/consul-registration.js';
export { consulConfig } from './consul/consul-config.js';
export type { ConsulConfigOptions } from './consul/consul-config.js';
export type { ConsulClient, ConsulConnection } from './consul/consul-client.js';

/**
 * `switchyard/dns`: endpoints from DNS A/AAAA and SRV records, refreshed on their TTL. Needs the
 * optional peer dependency `dns-packet`.
 * @packageDocumentation
 */
export { dnsDiscovery } from './discovery/dns-discovery.js';
export type { DnsDiscoveryOptions } from './discovery/dns-discovery.js';

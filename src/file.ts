/**
 * `switchyard/file`: endpoints from a watched JSON or YAML file.
 * @packageDocumentation
 */
export { fileDiscovery } from './discovery/file-discovery.js';
export type { FileDiscoveryOptions } from './discovery/file-discovery.js';

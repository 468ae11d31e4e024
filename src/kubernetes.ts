/**
 * `switchyard/kubernetes`: discovery from a Kubernetes Service's EndpointSlices, over
 * `@kubernetes/client-node` (an optional, ESM-only peer dependency, imported on first use, which
 * works from CommonJS too).
 */
export { kubernetesDiscovery } from './kubernetes/kubernetes-discovery.js';
export type { KubeConfigLike, KubernetesDiscoveryOptions } from './kubernetes/kubernetes-discovery.js';

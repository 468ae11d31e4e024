// Requires the built subpaths by name from CommonJS. switchyard/kubernetes must load the ESM-only
// @kubernetes/client-node on use, and switchyard/consul the consul client it makes itself; a tiny
// HTTP server on 127.0.0.1 answers the one list (Kubernetes) and health query (Consul) they send.
const { createServer } = require('node:http');
const { DiscoveryError } = require('switchyard');
const { consulDiscovery } = require('switchyard/consul');
const { kubernetesDiscovery } = require('switchyard/kubernetes');

const slice = { metadata: { name: 'web-1', resourceVersion: '5' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }], ports: [{ name: 'http', port: 8080 }] };
const server = createServer((req, res) => {
  if (req.url.startsWith('/v1/health/service/web')) {
    res.writeHead(200, { 'content-type': 'application/json', 'x-consul-index': '7' });
    return res.end(JSON.stringify([{ Node: { Node: 'n', Address: '10.0.1.1' }, Service: { ID: 'web-1', Port: 9090 }, Checks: [] }]));
  }
  if (req.url.includes('watch=true')) return res.writeHead(200, { 'content-type': 'application/json' }).flushHeaders();
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSliceList', metadata: { resourceVersion: '5' }, items: [slice] }));
});

server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  const kubernetes = kubernetesDiscovery({ service: 'web', port: 'http', kubeConfig });
  const consul = consulDiscovery({ service: 'web', consul: { host: '127.0.0.1', port } });
  await Promise.all([kubernetes.ready(), consul.ready()]);
  let sameClass = false;
  try {
    consulDiscovery({ service: '' });
  } catch (error) {
    sameClass = error instanceof require('switchyard').ConfigError && typeof DiscoveryError === 'function';
  }
  console.log(`cjs kubernetes ${kubernetes.current().map((e) => e.url)} consul ${consul.current().map((e) => e.url)} shared-classes ${sameClass}`);
  await Promise.all([kubernetes.close(), consul.close()]);
  server.closeAllConnections();
  server.close();
});

// Requires each provider subpath of the built package by name, as a CommonJS user would.
const { ConfigError, DiscoveryError } = require('switchyard');
const { fileDiscovery } = require('switchyard/file');
const { dnsDiscovery } = require('switchyard/dns');
const { etcdDiscovery, registerEtcd, etcdConfig } = require('switchyard/etcd');

let shared = false;
try {
  dnsDiscovery({ name: 'web.test' });
} catch (error) {
  shared = error instanceof ConfigError;
}
// A query to a closed loopback port fails, which proves dns-packet (an optional peer) loaded on use.
const dns = dnsDiscovery({ name: 'web.test', port: 80, servers: ['127.0.0.1:9'], timeoutMs: 2000 });
dns.ready().then(async () => {
  const error = dns.status().lastError;
  await dns.close();
  const loaded = error instanceof DiscoveryError && !String(error.message).includes('optional peer');
  console.log(['cjs', typeof fileDiscovery, typeof etcdDiscovery, typeof registerEtcd, typeof etcdConfig, shared, loaded].join(' '));
});

// Imports each provider subpath of the built package by name, as an ESM user would.
import { ConfigError, DiscoveryError } from 'switchyard';
import { fileDiscovery } from 'switchyard/file';
import { dnsDiscovery } from 'switchyard/dns';
import { etcdConfig, etcdDiscovery, registerEtcd } from 'switchyard/etcd';

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
  console.log(['esm', typeof fileDiscovery, typeof etcdDiscovery, typeof registerEtcd, typeof etcdConfig, shared, loaded].join(' '));
});

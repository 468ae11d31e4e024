/**
 * Registration plus discovery on etcd: two backends register themselves under
 * /services/inventory/, a mesh follows the prefix, one backend leaves, the mesh stops calling it.
 * Needs an etcd server: `ETCD_URL=http://127.0.0.1:2379 npm run example:etcd` (default that URL).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Etcd3 } from 'etcd3';
import { createMesh } from 'switchyard';
import { etcdDiscovery, registerEtcd } from 'switchyard/etcd';

const etcd = new Etcd3({ hosts: process.env.ETCD_URL ?? 'http://127.0.0.1:2379' });
const prefix = `/services/inventory-${process.pid}/`;

// Two backends on loopback, each registering itself under a lease that etcd3 keeps alive.
const backends = await Promise.all(
  ['alpha', 'bravo'].map(
    (name) =>
      new Promise<{ name: string; server: http.Server; url: string }>((resolve) => {
        const server = http.createServer((_req, res) => res.end(name));
        server.listen(0, '127.0.0.1', () => resolve({ name, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
      }),
  ),
);
const registrations = backends.map((b) => registerEtcd({ client: etcd, key: `${prefix}${b.name}`, endpoint: b.url, ttl: 10 }));
await Promise.all(registrations.map((r) => r.ready()));

// The caller: a mesh whose inventory endpoints come from the prefix.
const discovery = etcdDiscovery({ client: etcd, prefix });
const mesh = createMesh({ discovery: { inventory: discovery }, config: { services: { inventory: {} } } });
mesh.on('endpoint-removed', (e) => console.log(`removed ${e.endpoint === backends[0]!.url ? 'alpha' : e.endpoint}`));

const served = async (calls: number): Promise<string> => {
  const names: string[] = [];
  for (let i = 0; i < calls; i++) names.push(await (await mesh.fetch('http://inventory/')).text());
  return names.sort().join(' ');
};
console.log(`served by: ${await served(4)}`);

// alpha shuts down: revoking its lease deletes its key, and the watch removes it at once.
await registrations[0]!.close();
while (discovery.current().length > 1) await new Promise((r) => setTimeout(r, 10));
console.log(`served by: ${await served(4)}`);

await registrations[1]!.close();
await mesh.close();
etcd.close();
for (const b of backends) b.server.close();

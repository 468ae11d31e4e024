/**
 * A canary release driven by a config file edited while the service runs.
 * Run from the repository: `npm run example:canary` (builds, then runs this file).
 *
 * Four local backends answer with their version: three run v1, one runs v2. The mesh reads its
 * routes from mesh.json; the script rewrites that file step by step (0 % -> 10 % -> 50 % -> 100 %
 * to v2, as a deploy tool would), and a beta tester's header always reaches v2.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMesh, fileConfig, type MeshConfig } from 'switchyard';

const versions = ['v1', 'v1', 'v1', 'v2'];
const backends = await Promise.all(
  versions.map(
    (version) =>
      new Promise<http.Server>((resolve) => {
        const server = http.createServer((_req, res) => res.end(version));
        server.listen(0, '127.0.0.1', () => resolve(server));
      }),
  ),
);
const endpoints = backends.map((s, i) => ({ url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, tags: { version: versions[i]! } }));

/** The config with `canary` percent of calls to v2. */
const config = (canary: number): MeshConfig => ({
  version: `canary-${canary}`,
  services: {
    checkout: {
      endpoints,
      subsets: { stable: { tags: { version: 'v1' } }, canary: { tags: { version: 'v2' } } },
      routes: [
        { name: 'beta-testers', match: { headers: [{ name: 'x-beta', exact: 'yes' }] }, subset: 'canary' },
        { name: 'rollout', split: [{ subset: 'stable', weight: 100 - canary }, { subset: 'canary', weight: canary }] },
      ],
    },
  },
});

// Written as a deploy tool would: a new file renamed over the old one.
const dir = await mkdtemp(join(tmpdir(), 'switchyard-canary-'));
const file = join(dir, 'mesh.json');
const publish = async (canary: number): Promise<void> => {
  await writeFile(`${file}.tmp`, JSON.stringify(config(canary), null, 2));
  await rename(`${file}.tmp`, file);
};
await publish(0);

const mesh = createMesh({ source: fileConfig(file, { debounceMs: 20 }) });
await mesh.ready();
const applied = (version: string) =>
  new Promise<void>((resolve) => {
    const off = mesh.on('config-applied', (e) => {
      if (e.version !== version) return;
      off();
      resolve();
    });
  });

for (const canary of [0, 10, 50, 100]) {
  if (mesh.config()?.version !== `canary-${canary}`) {
    const seen = applied(`canary-${canary}`);
    await publish(canary);
    await seen;
  }
  const served = { v1: 0, v2: 0 };
  for (let i = 0; i < 400; i++) {
    const res = await mesh.fetch('http://checkout/cart');
    served[(await res.text()) as 'v1' | 'v2']++;
  }
  const beta = await (await mesh.fetch('http://checkout/cart', { headers: { 'x-beta': 'yes' } })).text();
  console.log(`${mesh.config()?.version}: v1 ${served.v1}, v2 ${served.v2} of 400; beta tester got ${beta}`);
}

await mesh.close();
for (const server of backends) server.close();
await rm(dir, { recursive: true, force: true });

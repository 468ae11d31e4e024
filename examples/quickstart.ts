/**
 * Quickstart: three local backends, one switchyard client, a few calls.
 * Run from the repository: `npm run example` (builds, then runs this file).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from 'switchyard';

// A small fleet on loopback: each backend answers with its name.
const backends = await Promise.all(
  ['alpha', 'bravo', 'charlie'].map(
    (name) =>
      new Promise<http.Server>((resolve) => {
        const server = http.createServer((req, res) => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ backend: name, path: req.url }));
        });
        server.listen(0, '127.0.0.1', () => resolve(server));
      }),
  ),
);
const endpoints = backends.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`);

// One client per downstream service; every call is balanced, timed out and traced.
const inventory = createClient({
  service: 'inventory',
  endpoints,
  balancer: 'round-robin',
  timeout: { attempt: 1_000, total: 3_000 },
});

for (let i = 1; i <= 4; i++) {
  const res = await inventory.fetch(`/v1/items/${i}`); // a WHATWG Response, like global fetch
  const body = (await res.json()) as { backend: string; path: string };
  console.log(`${res.status} ${body.path} served by ${body.backend}`);
}

// The undici-style fast path.
const { statusCode, body } = await inventory.request({ method: 'GET', path: '/v1/health' });
console.log(`request(): ${statusCode} ${await body.text()}`);

console.table(inventory.stats().map(({ url, state, requests, ewmaMs }) => ({ url, state, requests, ewmaMs: Number(ewmaMs.toFixed(2)) })));

await inventory.close(); // closes pools and timers: the process can exit
for (const server of backends) server.close();

/**
 * Monitoring: OpenTelemetry metrics served to Prometheus on /metrics, a readiness endpoint on
 * /healthz from `mesh.health()`, an alert rule, and the global `fetch` routed through the mesh.
 * Run from the repository: `npm run example:monitoring` (builds, then runs this file).
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createMesh } from 'switchyard';
import { getGlobalDispatcher, setGlobalDispatcher } from 'undici';

const listen = async (server: http.Server): Promise<string> => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

// Two backends: alpha answers, bravo is failing (503 to everything).
const alpha = http.createServer((req, res) => res.end(JSON.stringify({ backend: 'alpha', path: req.url })));
const bravo = http.createServer((_req, res) => {
  res.statusCode = 503;
  res.end('unavailable');
});
const endpoints = [await listen(alpha), await listen(bravo)];

// The application's OpenTelemetry SDK: a meter provider whose reader is the Prometheus exporter.
// preventServerStart: the exporter's handler is mounted on our own server below.
const exporter = new PrometheusExporter({ preventServerStart: true });
const meterProvider = new MeterProvider({ readers: [exporter] });

const mesh = createMesh({
  meterProvider,
  config: {
    services: {
      inventory: {
        endpoints,
        balancer: 'round-robin',
        retry: { retries: 1, backoff: { initial: 5, max: 20 } },
        breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeout: 30_000 },
      },
    },
    alerts: {
      interval: 100,
      rules: [{ name: 'inventory-ejections', service: 'inventory', metric: 'ejected-share', above: 0.25, resolve: 0, severity: 'degraded' }],
    },
  },
});
mesh.on('alert', (e) => console.log(`alert ${e.alert}: ${e.metric} ${e.value} above ${e.threshold} on ${e.service}`));

// The operations server: /metrics for Prometheus, /healthz for the orchestrator's readiness probe.
const ops = http.createServer((req, res) => {
  if (req.url === '/metrics') return exporter.getMetricsRequestHandler(req, res);
  if (req.url === '/healthz') {
    const health = mesh.health();
    res.statusCode = health.status === 'down' ? 503 : 200;
    res.setHeader('content-type', 'application/json');
    return res.end(JSON.stringify(health));
  }
  res.statusCode = 404;
  res.end();
});
const opsUrl = await listen(ops);

// Code that calls the global fetch now goes through the mesh for `http://inventory/...`
// (balanced, retried, broken) and straight through undici for every other host.
const previous = getGlobalDispatcher();
setGlobalDispatcher(mesh.dispatcher());
const alerted = new Promise<void>((resolve) => {
  const off = mesh.on('alert', () => (off(), resolve()));
});
let ok = 0;
for (let i = 1; i <= 12; i++) {
  const res = await fetch(`http://inventory/items/${i}`);
  if (res.status === 200) ok++;
  await res.arrayBuffer();
}
console.log(`global fetch: ${ok} of 12 calls to http://inventory answered 200`);
await alerted;

const healthz = await fetch(`${opsUrl}/healthz`);
console.log(`/healthz ${healthz.status} ${await healthz.text()}`);
const scrape = await (await fetch(`${opsUrl}/metrics`)).text();
for (const line of scrape.split('\n')) {
  if (/^(http_client_request_duration_count|switchyard_endpoints|switchyard_breaker_state|switchyard_retries|switchyard_ejections)/.test(line)) console.log(line);
}

setGlobalDispatcher(previous);
await mesh.close(); // closes the clusters, the alert timer and the dispatcher
await meterProvider.shutdown();
for (const server of [alpha, bravo, ops]) server.close();

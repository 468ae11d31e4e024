import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { startEtcd } from './support/etcd.js';

const run = promisify(execFile);

// Runs against the built package (`npm test` builds first), as a user's copy of it would.
it('the quickstart example calls its fleet round-robin and exits by itself', async () => {
  const tsx = createRequire(import.meta.url).resolve('tsx/cli');
  const example = fileURLToPath(new URL('../examples/quickstart.ts', import.meta.url));
  const { stdout } = await run(process.execPath, [tsx, example], { timeout: 20_000 });
  expect(stdout).toContain('200 /v1/items/1 served by alpha');
  expect(stdout).toContain('200 /v1/items/2 served by bravo');
  expect(stdout).toContain('200 /v1/items/3 served by charlie');
  expect(stdout).toContain('200 /v1/items/4 served by alpha');
  expect(stdout).toContain('request(): 200 {"backend":"bravo","path":"/v1/health"}');
});

it('the canary example follows its config file from 0 % to 100 % on v2, beta testers always on v2', async () => {
  const tsx = createRequire(import.meta.url).resolve('tsx/cli');
  const example = fileURLToPath(new URL('../examples/canary.ts', import.meta.url));
  const { stdout } = await run(process.execPath, [tsx, example], { timeout: 30_000 });
  const lines = stdout.trim().split('\n');
  expect(lines[0]).toBe('canary-0: v1 400, v2 0 of 400; beta tester got v2');
  const [, v2At10] = /canary-10: v1 \d+, v2 (\d+)/.exec(lines[1]!)!;
  expect(Number(v2At10)).toBeGreaterThan(15);
  expect(Number(v2At10)).toBeLessThan(70);
  const [, v2At50] = /canary-50: v1 \d+, v2 (\d+)/.exec(lines[2]!)!;
  expect(Math.abs(Number(v2At50) - 200)).toBeLessThan(60);
  expect(lines[3]).toBe('canary-100: v1 0, v2 400 of 400; beta tester got v2');
});

it('the monitoring example serves Prometheus metrics and /healthz, alerts on an ejection and routes the global fetch', async () => {
  const tsx = createRequire(import.meta.url).resolve('tsx/cli');
  const example = fileURLToPath(new URL('../examples/monitoring.ts', import.meta.url));
  const { stdout } = await run(process.execPath, [tsx, example], { timeout: 30_000 });
  expect(stdout).toContain('alert inventory-ejections: ejected-share 0.5 above 0.25 on inventory');
  expect(stdout).toContain('global fetch: 12 of 12 calls to http://inventory answered 200');
  const healthz = /^\/healthz 200 (.*)$/m.exec(stdout);
  expect(JSON.parse(healthz![1]!)).toMatchObject({ status: 'degraded', services: { inventory: { status: 'degraded', reasons: [{ code: 'alert', alert: 'inventory-ejections' }] } } });
  expect(stdout).toMatch(/^http_client_request_duration_count\{server_address="127\.0\.0\.1",.*http_response_status_code="503",error_type="503".*\} [1-9]/m);
  expect(stdout).toMatch(/^http_client_request_duration_count\{.*http_response_status_code="200".*\} 12$/m);
  expect(stdout).toMatch(/^switchyard_endpoints\{switchyard_service="inventory",switchyard_endpoint_state="ejected".*\} 1$/m);
  expect(stdout).toMatch(/^switchyard_breaker_state\{.*\} 2$/m);
  expect(stdout).toMatch(/^switchyard_retries_total\{switchyard_service="inventory",switchyard_retry_reason="status 503".*\} [1-9]/m);
});

it('the etcd example registers two backends, follows them through etcd, and stops calling the one that left', async () => {
  const etcd = await startEtcd();
  try {
    const tsx = createRequire(import.meta.url).resolve('tsx/cli');
    const example = fileURLToPath(new URL('../examples/etcd-registry.ts', import.meta.url));
    const { stdout } = await run(process.execPath, [tsx, example], { timeout: 60_000, env: { ...process.env, ETCD_URL: etcd.url } });
    expect(stdout.trim().split('\n')).toEqual(['served by: alpha alpha bravo bravo', 'removed alpha', 'served by: bravo bravo bravo bravo']);
  } finally {
    await etcd.close();
  }
}, 90_000);

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { createClient } from '../dist/index.js';
const server = spawn(process.execPath, [fileURLToPath(new URL('./overhead-server.ts', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
const [portLine] = (await once(server.stdout!, 'data')) as [Buffer];
const origin = `http://127.0.0.1:${portLine.toString().trim()}`;
const pool = new Pool(origin, { keepAliveTimeout: 60_000 });
const mk = (o: object) => createClient({ service: 'bench', endpoints: [origin], transport: { keepAliveTimeout: 60_000 }, ...o });
const clients = {
  none: mk({ breaker: false, retry: false }),
  breaker: mk({ retry: false }),
  retry: mk({ breaker: false }),
  default: mk({}),
  all: mk({ limiter: { rate: 1e9 }, bulkhead: { maxConcurrent: 1000 }, hedge: { delay: 1000, budget: { ratio: 0 } } }),
};
const variants: Array<[string, () => Promise<void>]> = [
  ['pool', async () => { const r = await pool.request({ method: 'GET', path: '/' }); await r.body.dump(); }],
  ...Object.entries(clients).map(([n, c]) => [n, async () => { const r = await c.request({ path: '/' }); await r.body.dump(); }] as [string, () => Promise<void>]),
];
async function runFor(once: () => Promise<void>, ms: number) {
  let count = 0; const end = performance.now() + ms; const cpu0 = process.cpuUsage(); const t0 = performance.now();
  await Promise.all(Array.from({ length: 32 }, async () => { while (performance.now() < end) { await once(); count++; } }));
  const cpu = process.cpuUsage(cpu0);
  return [(count * 1000) / (performance.now() - t0), (cpu.user + cpu.system) / count];
}
for (const [, v] of variants) await runFor(v, 500);
const res: Record<string, number[][]> = {};
for (let r = 0; r < 3; r++) for (const [n, v] of variants) (res[n] ??= []).push(await runFor(v, 1000));
for (const [n, rs] of Object.entries(res)) { const m = (i: number) => rs.map((x) => x[i]!).sort((a, b) => a - b)[1]!; console.log(n.padEnd(8), m(0).toFixed(0), m(1).toFixed(1)); }
await pool.close(); for (const c of Object.values(clients)) await c.close(); server.kill();

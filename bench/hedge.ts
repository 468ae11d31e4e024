/**
 * `npm run bench:hedge`: tail latency with and without hedging on a loopback fleet where 1 % of
 * requests stall for 200 ms (every 100th request each server receives), and the extra requests
 * hedging sends. Goal: p99.9 at least 10× lower with hedging, at most 5 % extra requests.
 *
 * Open loop (as wrk2): `--requests` GETs per variant at a fixed `--rate`, each sent at its intended
 * time whether or not earlier ones have answered, latency measured from that intended time to the
 * response headers, so a stall is counted and not hidden by a waiting sender (no coordinated
 * omission). A warm-up precedes each variant (connections, JIT, and the latency window a
 * percentile delay needs); the variants run one after the other against freshly reset servers.
 *
 * Options: --requests <default 20000> --rate <per second, default 2000> --servers <default 3>
 *          --percentile <hedge delay percentile, default 97> --json
 */
import { parseArgs } from 'node:util';
import { createClient, type ClientOptions } from '../dist/index.js';
import { startLoopbackFleet } from '../test/support/loopback.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '2000' },
    servers: { type: 'string', default: '3' },
    percentile: { type: 'string', default: '97' },
    json: { type: 'boolean', default: false },
  },
});
const requests = Number(values.requests);
const rate = Number(values.rate);
const servers = Number(values.servers);
const STALL_EVERY = 100;
const STALL_MS = 200;

interface Result {
  variant: string;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  extraRequests: number;
  hedges: number;
  /** Hedges the hedge budget refused. */
  refused: number;
}

const fleet = await startLoopbackFleet(servers);

async function run(variant: string, options: Partial<ClientOptions>): Promise<Result> {
  await fleet.reset();
  for (let i = 0; i < servers; i++) await fleet.setMode(i, { stallEvery: STALL_EVERY, stallMs: STALL_MS });
  const client = createClient({ service: 'bench', endpoints: fleet.urls, retry: false, ...options });
  let hedges = 0;
  let refused = 0;
  client.on('hedge', () => void hedges++);
  client.on('budget-exhausted', (e) => void (e.kind === 'hedge' && refused++));
  await openLoop(client, Math.min(5_000, requests));
  const sentBefore = await totalRequests();
  hedges = 0;
  refused = 0;
  const latencies = await openLoop(client, requests);
  const sent = (await totalRequests()) - sentBefore;
  await client.close();
  latencies.sort();
  const at = (p: number): number => latencies[Math.min(requests - 1, Math.ceil(p * requests) - 1)]!;
  return { variant, p50: at(0.5), p99: at(0.99), p999: at(0.999), max: latencies[requests - 1]!, extraRequests: sent / requests - 1, hedges, refused };
}

/** Sends `count` GETs at `rate` per second on schedule; returns each one's latency from its intended send time (ms). */
async function openLoop(client: ReturnType<typeof createClient>, count: number): Promise<Float64Array> {
  const latencies = new Float64Array(count);
  const gap = 1_000 / rate;
  const t0 = performance.now() + 5;
  let sent = 0;
  let done = 0;
  return new Promise((resolve, reject) => {
    const send = (i: number, intended: number): void => {
      client.request({ path: '/' }).then(async (res) => {
        latencies[i] = performance.now() - intended;
        await res.body.dump();
        if (++done === count) resolve(latencies);
      }, reject);
    };
    const tick = (): void => {
      const now = performance.now();
      while (sent < count && t0 + sent * gap <= now) {
        send(sent, t0 + sent * gap);
        sent++;
      }
      if (sent < count) setTimeout(tick, 1);
    };
    tick();
  });
}

async function totalRequests(): Promise<number> {
  let n = 0;
  for (let i = 0; i < servers; i++) n += (await fleet.stats(i)).requests;
  return n;
}

const percentile = Number(values.percentile);
const results = [
  await run('no hedging', { hedge: false }),
  await run(`hedging at p${percentile}`, { hedge: { percentile, delay: 10 } }),
];
await fleet.stop();

if (values.json) {
  console.log(JSON.stringify({ requests, rate, servers, stall: { every: STALL_EVERY, ms: STALL_MS }, results }, null, 2));
} else {
  console.log(`${requests} GETs per variant at ${rate}/s (open loop), ${servers} loopback servers, 1 in ${STALL_EVERY} requests stalls ${STALL_MS} ms`);
  console.log('variant              p50 ms   p99 ms  p99.9 ms   max ms  extra requests');
  for (const r of results) {
    console.log(
      `${r.variant.padEnd(18)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${r.p999.toFixed(2).padStart(9)} ${r.max.toFixed(1).padStart(8)}  ${(r.extraRequests * 100).toFixed(2)} % (${r.hedges} hedges, ${r.refused} refused by the budget)`,
    );
  }
  const [plain, hedged] = results as [Result, Result];
  console.log(`p99.9 improvement: ${(plain.p999 / hedged.p999).toFixed(1)}x (goal >= 10x) at ${(hedged.extraRequests * 100).toFixed(2)} % extra requests (goal <= 5 %)`);
}

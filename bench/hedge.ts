/**
 * `npm run bench:hedge`: tail latency with and without hedging on a loopback fleet where 1 % of
 * requests stall for 200 ms, and the extra requests hedging sends. Goal: p99.9 at least 10× lower
 * with hedging, at most 5 % extra requests.
 *
 * The servers are the bench suite's loopback backends (child processes), each request answered at
 * once or, with probability 1 % drawn from the backend's seeded RNG, after 200 ms: a hedge is as
 * likely to stall as any request, and both variants see the same draws. (Stalling every 100th
 * request a server receives, as this bench first did, kept the servers' stalls in step under
 * round-robin, and a hedge sent a few milliseconds after a stall was often the next server's
 * 100th request: 5 % of hedges stalled, not 1 %.)
 *
 * Open loop (as wrk2): `--requests` GETs per variant at a fixed `--rate`, each sent at its intended
 * time whether or not earlier ones have answered, latency measured from that intended time to the
 * response headers, so a stall is counted and not hidden by a waiting sender (no coordinated
 * omission). A warm-up precedes each variant (connections, JIT, and the latency window a
 * percentile delay needs); the variants run one after the other against freshly reset servers.
 *
 * A pause of this process (a busy or virtualised machine stops it for tens of milliseconds at a
 * time) delays every request due during it, with or without hedging; the longest event-loop delay
 * seen in each variant is reported beside the figures, and p99.9 is also given from the moment
 * each request was actually sent, which such a pause does not inflate.
 *
 * Options: --requests <default 20000> --rate <per second, default 2000> --servers <default 3>
 *          --percentile <hedge delay percentile, default 97> --seed <default 1> --json
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createClient, type ClientOptions } from '../dist/index.js';
import { startBackends } from './loopback/backend-fleet.js';
import { parseScenario } from './scenario/scenario.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '2000' },
    servers: { type: 'string', default: '3' },
    percentile: { type: 'string', default: '97' },
    seed: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
  },
});
const requests = Number(values.requests);
const rate = Number(values.rate);
const servers = Number(values.servers);
const seed = Number(values.seed);
const STALL_RATIO = 0.01;
const STALL_MS = 200;

interface Result {
  variant: string;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** p99.9 of latency from the moment each request was sent, not its intended time. */
  p999FromSend: number;
  /** Requests that took at least the stall time from their send: the stalls hedging did not catch. */
  stalled: number;
  /** The longest event-loop delay of this process during the measured run (ms). */
  longestPause: number;
  extraRequests: number;
  hedges: number;
  /** Hedges the hedge budget refused. */
  refused: number;
}

const durationMs = (requests / rate) * 1_000;
const { backends } = parseScenario({
  durationMs,
  load: { rate },
  backends: [
    {
      count: servers,
      latency: { type: 'bimodal', fast: { type: 'constant', ms: 0 }, slow: { type: 'constant', ms: STALL_MS }, slowShare: STALL_RATIO },
    },
  ],
});
const fleet = await startBackends(backends, durationMs);

async function run(variant: string, options: Partial<ClientOptions>): Promise<Result> {
  // Fresh RNGs with the same seed: both variants' servers draw the same stalls.
  await fleet.startRun(seed, Infinity);
  const client = createClient({ service: 'bench', endpoints: [...fleet.urls], retry: false, ...options });
  let hedges = 0;
  let refused = 0;
  client.on('hedge', () => void hedges++);
  client.on('budget-exhausted', (e) => void (e.kind === 'hedge' && refused++));
  await openLoop(client, Math.min(5_000, requests));
  // Time zero of the backends' counters: requests from now on are counted.
  await fleet.startRun(seed, Date.now());
  hedges = 0;
  refused = 0;
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const { fromIntended, fromSend } = await openLoop(client, requests);
  loopDelay.disable();
  const sent = (await fleet.counters()).reduce((sum, c) => sum + c.requests, 0);
  await client.close();
  const at = (sorted: Float64Array, p: number): number => sorted[Math.min(requests - 1, Math.ceil(p * requests) - 1)]!;
  fromIntended.sort();
  fromSend.sort();
  return {
    variant,
    p50: at(fromIntended, 0.5),
    p99: at(fromIntended, 0.99),
    p999: at(fromIntended, 0.999),
    max: fromIntended[requests - 1]!,
    p999FromSend: at(fromSend, 0.999),
    stalled: fromSend.filter((ms) => ms >= STALL_MS).length,
    longestPause: loopDelay.max / 1e6,
    extraRequests: sent / requests - 1,
    hedges,
    refused,
  };
}

/**
 * Sends `count` GETs at `rate` per second on schedule; returns each one's latency (ms) from its
 * intended send time and from the moment it was actually sent.
 */
async function openLoop(client: ReturnType<typeof createClient>, count: number): Promise<{ fromIntended: Float64Array; fromSend: Float64Array }> {
  const fromIntended = new Float64Array(count);
  const fromSend = new Float64Array(count);
  const gap = 1_000 / rate;
  const t0 = performance.now() + 5;
  let sent = 0;
  let done = 0;
  return new Promise((resolve, reject) => {
    const send = (i: number, intended: number): void => {
      const sentAt = performance.now();
      client.request({ path: '/' }).then(async (res) => {
        const now = performance.now();
        fromIntended[i] = now - intended;
        fromSend[i] = now - sentAt;
        await res.body.dump();
        if (++done === count) resolve({ fromIntended, fromSend });
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

const percentile = Number(values.percentile);
const results = [
  await run('no hedging', { hedge: false }),
  await run(`hedging at p${percentile}`, { hedge: { percentile, delay: 10 } }),
];
await fleet.stop();

if (values.json) {
  console.log(JSON.stringify({ requests, rate, servers, stall: { ratio: STALL_RATIO, ms: STALL_MS }, results }, null, 2));
} else {
  console.log(`${requests} GETs per variant at ${rate}/s (open loop), ${servers} loopback servers, ${STALL_RATIO * 100} % of requests stall ${STALL_MS} ms`);
  console.log('latency from the intended send time, except where marked "from send"');
  console.log('variant              p50 ms   p99 ms  p99.9 ms   max ms  p99.9 from send  stalled  longest pause  extra requests');
  for (const r of results) {
    console.log(
      `${r.variant.padEnd(18)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${r.p999.toFixed(2).padStart(9)} ${r.max.toFixed(1).padStart(8)} ${r.p999FromSend.toFixed(2).padStart(16)} ${String(r.stalled).padStart(8)} ${r.longestPause.toFixed(1).padStart(14)}  ${(r.extraRequests * 100).toFixed(2)} % (${r.hedges} hedges, ${r.refused} refused by the budget)`,
    );
  }
  const [plain, hedged] = results as [Result, Result];
  console.log(
    `p99.9 improvement (goal >= 10x): ${(plain.p999 / hedged.p999).toFixed(1)}x from the intended send time, ${(plain.p999FromSend / hedged.p999FromSend).toFixed(1)}x from send; extra requests ${(hedged.extraRequests * 100).toFixed(2)} % (goal <= 5 %)`,
  );
}

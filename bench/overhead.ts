/**
 * `npm run bench:overhead`: what switchyard costs over raw undici, side by side in one run against
 * the same loopback server (a child process, so the server's work is not on this event loop).
 *
 * Pairs compared (goal in brackets):
 *   client.request over undici Pool.request   throughput ratio (>= 0.97), with the default layers
 *                                             (tracing, breaker, retry) and with all of them off
 *   client.fetch   over undici.fetch          throughput ratio (>= 1.5)
 * Each variant runs closed-loop at a fixed concurrency; variants are interleaved over several
 * rounds so drift (CPU frequency, the other process) hits them alike, with a full GC before each
 * (node --expose-gc), so one variant's garbage is not collected on another's time; the median
 * round counts.
 * Client CPU time per request (process.cpuUsage) is printed as well: it is the overhead itself,
 * where throughput is shared with the server.
 *
 * It also reports the token bucket's cost per acquire (bench/limiter.ts; goal <= 100 ns) and times,
 * in-process, the attempt timer the transport uses (an entry in its AttemptTimeouts list, behind one
 * clock timer) against one clock timer per attempt, with 32 attempts in flight.
 *
 * Options: --seconds <per variant per round, default 2> --rounds <default 5> --concurrency <default 32>
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fetch as undiciFetch, Pool } from 'undici';
import { createClient } from '../dist/index.js';
import { systemClock, type TimerHandle } from '../src/core/clock.js';
import { AttemptTimeouts, Expiring } from '../src/transport/attempt-timeouts.js';
import { measureTokenBucket } from './limiter.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '32' },
    json: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const concurrency = Number(values.concurrency);

const server = spawn(process.execPath, [fileURLToPath(new URL('./overhead-server.ts', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
const [portLine] = (await once(server.stdout!, 'data')) as [Buffer];
const origin = `http://127.0.0.1:${portLine.toString().trim()}`;

const pool = new Pool(origin, { keepAliveTimeout: 60_000 });
const client = createClient({ service: 'bench', endpoints: [origin], transport: { keepAliveTimeout: 60_000 } });
const bare = createClient({ service: 'bench', endpoints: [origin], transport: { keepAliveTimeout: 60_000 }, tracing: false, breaker: false, retry: false });

type Variant = { name: string; once: () => Promise<void> };
const variants: Variant[] = [
  {
    name: 'undici Pool.request',
    once: async () => {
      const res = await pool.request({ method: 'GET', path: '/' });
      await res.body.text();
    },
  },
  {
    name: 'client.request',
    once: async () => {
      const res = await client.request({ path: '/' });
      await res.body.text();
    },
  },
  {
    name: 'client.request, bare',
    once: async () => {
      const res = await bare.request({ path: '/' });
      await res.body.text();
    },
  },
  {
    name: 'undici.fetch',
    once: async () => {
      const res = await undiciFetch(`${origin}/`, { dispatcher: pool });
      await res.text();
    },
  },
  {
    name: 'client.fetch',
    once: async () => {
      const res = await client.fetch('/');
      await res.text();
    },
  },
];

interface Round {
  rps: number;
  cpuUsPerRequest: number;
}

async function runFor(variant: Variant, ms: number): Promise<Round> {
  // Collect the previous variant's garbage now, so it is not charged to this one.
  (globalThis as { gc?: () => void }).gc?.();
  let count = 0;
  const end = performance.now() + ms;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      await variant.once();
      count++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { rps: (count * 1000) / elapsed, cpuUsPerRequest: (cpu.user + cpu.system) / count };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

// Warm up every path (JIT, connections).
for (const v of variants) await runFor(v, 500);

const results = new Map<string, Round[]>(variants.map((v) => [v.name, []]));
for (let r = 0; r < rounds; r++) {
  for (const v of variants) results.get(v.name)!.push(await runFor(v, seconds * 1000));
  process.stderr.write(`round ${r + 1}/${rounds} done\n`);
}

const summary = variants.map((v) => {
  const rs = results.get(v.name)!;
  return { name: v.name, rps: median(rs.map((x) => x.rps)), cpuUsPerRequest: median(rs.map((x) => x.cpuUsPerRequest)) };
});
const by = (name: string) => summary.find((s) => s.name === name)!;
const requestRatio = by('client.request').rps / by('undici Pool.request').rps;
const bareRatio = by('client.request, bare').rps / by('undici Pool.request').rps;
const fetchRatio = by('client.fetch').rps / by('undici.fetch').rps;

await client.close();
await bare.close();
await pool.close();
server.kill('SIGTERM');

/** ns per attempt to arm and disarm a 10 s attempt timer, with 32 attempts in flight. */
function attemptTimerCost(arm: (slot: number) => void): number {
  const n = 1_000_000;
  for (let i = 0; i < n; i++) arm(i & 31);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) arm(i & 31);
  return ((performance.now() - t0) * 1e6) / n;
}
class Attempt extends Expiring {
  expire(): void {}
}
const timeouts = new AttemptTimeouts(systemClock, 10_000);
const inList: (Attempt | undefined)[] = new Array(32);
// The transport reads the clock once per attempt for the call's deadline anyway; it passes that time in.
const now = systemClock.now();
const attemptTimeoutsNs = attemptTimerCost((slot) => {
  if (inList[slot]) timeouts.remove(inList[slot]);
  const attempt = new Attempt();
  timeouts.add(attempt, 10_000, now);
  inList[slot] = attempt;
});
for (const attempt of inList) if (attempt) timeouts.remove(attempt);
const bucket = measureTokenBucket();
const timers: (TimerHandle | undefined)[] = new Array(32);
const timerPerAttemptNs = attemptTimerCost((slot) => {
  if (timers[slot]) systemClock.clearTimeout(timers[slot]);
  const attempt = new Attempt();
  timers[slot] = systemClock.setTimeout(() => attempt.expire(), 10_000);
});
for (const timer of timers) if (timer) systemClock.clearTimeout(timer);

if (values.json) {
  console.log(JSON.stringify({ concurrency, seconds, rounds, summary, requestRatio, bareRatio, fetchRatio, tokenBucketNs: bucket.nsPerAcquire, attemptTimeoutsNs, timerPerAttemptNs }, null, 2));
} else {
  console.log(`\nswitchyard overhead: ${rounds} rounds x ${seconds}s per variant, concurrency ${concurrency}, Node ${process.version}\n`);
  console.log('variant                      req/s (median)   client CPU µs/req');
  for (const s of summary) console.log(`${s.name.padEnd(28)} ${s.rps.toFixed(0).padStart(14)}   ${s.cpuUsPerRequest.toFixed(1).padStart(17)}`);
  console.log(`\nclient.request / Pool.request = ${requestRatio.toFixed(3)}  (goal >= 0.97; default layers: tracing, breaker, retry)`);
  console.log(`bare request   / Pool.request = ${bareRatio.toFixed(3)}  (tracing, breaker and retry off)`);
  console.log(`client.fetch   / undici.fetch = ${fetchRatio.toFixed(3)}  (goal >= 1.5)`);
  console.log(`\ntoken bucket: ${bucket.nsPerAcquire.toFixed(1)} ns per acquire, clock read included (goal <= 100 ns)`);
  console.log(`attempt timer: AttemptTimeouts add + remove ${attemptTimeoutsNs.toFixed(0)} ns; a clock timer per attempt ${timerPerAttemptNs.toFixed(0)} ns`);
}

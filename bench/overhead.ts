/**
 * `npm run bench:overhead`: what switchyard costs, side by side in one run with raw undici and with
 * the glue users write instead of it, against the same loopback servers (one child process serving
 * three ports, so the servers' work is not on this event loop).
 *
 * Variants (key: what it is):
 *   pool                undici Pool.request, 1 server: the reference every ratio is taken to
 *   balanced-pool       undici BalancedPool over 3 servers
 *   round-robin         three undici Pools and a hand-written round-robin, no resilience
 *   cockatiel           cockatiel retry (2 retries, exponential backoff) around a cockatiel circuit breaker
 *                       per endpoint (SamplingBreaker: 50 % over 10 s, as switchyard's default), the
 *                       hand-written round-robin over the three Pools
 *   opossum             an opossum breaker per endpoint (its defaults: a 10 s timeout, 50 %), p-retry
 *                       (2 retries) around it, the hand-written round-robin over the three Pools
 *   request-3           switchyard client.request, default layers, round-robin over 3 endpoints
 *   request             switchyard client.request, default layers (tracing, breaker, retry), 1 endpoint
 *   no-tracing, no-breaker, no-retry
 *                       client.request, 1 endpoint, with that one layer off
 *   bare                client.request, 1 endpoint, tracing, breaker and retry off
 *   undici-fetch        undici.fetch through a Pool, 1 server
 *   fetch               switchyard client.fetch, default layers, 1 endpoint
 *   global-fetch        Node's global fetch with `dispatcher: mesh.dispatcher()`, default layers, 1 endpoint
 *   dispatcher-request  undici's `dispatcher.request()` on `mesh.dispatcher()`, default layers, 1 endpoint (the
 *                       dispatcher's own cost over client.request, without fetch's)
 *   node-fetch          Node's global fetch with an undici Agent (through undici's Dispatcher1Wrapper), 1 server
 *   http-metrics-off    client.request, default layers, `httpMetrics: false` (no SDK either way: the
 *                       same as `request` when metrics cost nothing without an SDK)
 *   metrics             client.request, default layers, a real @opentelemetry/sdk-metrics MeterProvider
 *   alerts              mesh.client().request, default layers, a success-rate and a p99 alert rule
 * In the glue variants a 5xx or 429 reply is dumped and thrown, so their breakers and retries see
 * it as switchyard's do. Every request is a GET whose 11-byte body is read to the end.
 *
 * Each variant runs closed-loop at a fixed concurrency; every round runs every variant once, the
 * order rotated by one each round, with a full GC before each (node --expose-gc), so drift (CPU
 * frequency, the other developers' processes) hits them alike and one variant's garbage is not
 * collected on another's time. Per variant it prints the client's CPU time per request
 * (process.cpuUsage, user + system, all threads: the overhead itself, where throughput is shared
 * with the servers), the throughput, and both as ratios to Pool.request in the same round: the
 * median over the rounds and the spread (lowest–highest round). Per layer it prints what turning it
 * off saves, per round (CPU µs per request, default layers minus that variant).
 *
 * It also reports the token bucket's cost per acquire (bench/limiter.ts; goal <= 100 ns) and times,
 * in-process, the attempt timer the transport uses (an entry in its AttemptTimeouts list, behind one
 * clock timer) against one clock timer per attempt, with 32 attempts in flight.
 *
 * Options:
 *   --seconds <per variant per round, default 1.5>  --rounds <default 7>  --concurrency <default 32>
 *   --only <key,key,...>   run these variants only (the ratios need pool among them)
 *   --requests <N>         run N requests per variant per round instead of --seconds (for
 *                          instruction counts under valgrind, or a CPU profile of a fixed workload)
 *   --warmup <N>           with --requests: requests per variant in the warm-up (default: --requests)
 *   --skip-micro           leave out the token bucket and attempt timer timings
 *   --callgrind            under valgrind's callgrind, dump its counters after each run, labelled
 *                          `<variant>@<round>` (`skip` between runs): `npm run bench:instructions`
 *   --json                 print the results as JSON
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { circuitBreaker, ExponentialBackoff, handleAll, retry, SamplingBreaker } from 'cockatiel';
import CircuitBreaker from 'opossum';
import pRetry from 'p-retry';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { Agent, BalancedPool, Dispatcher1Wrapper, fetch as undiciFetch, Pool, type Dispatcher } from 'undici';
import { createClient, createMesh, type ClientOptions } from '../dist/index.js';
import { systemClock, type TimerHandle } from '../src/core/clock.js';
import { AttemptTimeouts, Expiring } from '../src/transport/attempt-timeouts.js';
import { measureTokenBucket } from './limiter.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '1.5' },
    rounds: { type: 'string', default: '7' },
    concurrency: { type: 'string', default: '32' },
    only: { type: 'string' },
    requests: { type: 'string' },
    warmup: { type: 'string' },
    'skip-micro': { type: 'boolean', default: false },
    callgrind: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const concurrency = Number(values.concurrency);
const fixedRequests = values.requests === undefined ? undefined : Number(values.requests);
const loadBefore = os.loadavg();

const server = spawn(process.execPath, [fileURLToPath(new URL('./overhead-server.ts', import.meta.url)), '--servers', '3'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const [portLine] = (await once(server.stdout!, 'data')) as [Buffer];
const origins = portLine.toString().trim().split(' ').map((port) => `http://127.0.0.1:${port}`);
const origin = origins[0]!;

const keepAliveTimeout = 60_000;
const pool = new Pool(origin, { keepAliveTimeout });
const pools = origins.map((o) => new Pool(o, { keepAliveTimeout }));
const balancedPool = new BalancedPool(origins, { keepAliveTimeout });
const clientWith = (options: Partial<ClientOptions>, endpoints = [origin]) =>
  createClient({ service: 'bench', endpoints, transport: { keepAliveTimeout }, ...options });
// A mesh whose calls go through a header route and a 90/10 split before the same default layers.
const routedMesh = createMesh({
  config: {
    services: {
      bench: {
        endpoints: [{ url: origin, tags: { version: 'v1' } }],
        transport: { keepAliveTimeout },
        subsets: { v1: { tags: { version: 'v1' } } },
        routes: [
          { name: 'beta', match: { headers: [{ name: 'x-beta', present: true }] }, subset: 'v1' },
          { name: 'split', split: [{ subset: 'v1', weight: 90 }, { weight: 10 }] },
        ],
      },
    },
  },
});
// A real metrics SDK whose reader never exports during the run: the cost is the recording.
const meterProvider = new MeterProvider({
  readers: [new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 3_600_000 })],
});
const alertingMesh = createMesh({
  config: {
    services: { bench: { endpoints: [origin], transport: { keepAliveTimeout } } },
    alerts: {
      rules: [
        { name: 'errors', metric: 'success-rate', below: 0.99 },
        { name: 'slow', metric: 'p99', above: 500 },
      ],
    },
  },
});
const dispatchingMesh = createMesh({ config: { services: { bench: { endpoints: [origin], transport: { keepAliveTimeout } } } } });
const meshDispatcher = dispatchingMesh.dispatcher();
// Node's bundled fetch speaks undici 7's handler API: an undici 8 Agent takes it through undici's wrapper.
const agent = new Agent({ keepAliveTimeout });
const legacyAgent = new Dispatcher1Wrapper(agent);
const clients = {
  routed: routedMesh.client('bench'),
  httpMetricsOff: clientWith({ httpMetrics: false }),
  metrics: clientWith({ meterProvider }),
  alerts: alertingMesh.client('bench'),
  request: clientWith({}),
  request3: clientWith({}, origins),
  noTracing: clientWith({ tracing: false }),
  noBreaker: clientWith({ breaker: false }),
  noRetry: clientWith({ retry: false }),
  bare: clientWith({ tracing: false, breaker: false, retry: false }),
};

const GET: Dispatcher.RequestOptions = { method: 'GET', path: '/' };
/** A reply status the glue treats as a failure, as switchyard's breaker (5xx) and retry (429) do. */
class StatusError extends Error {
  constructor(readonly status: number) {
    super(`status ${status}`);
  }
}
/** What the glue's action does: send, and throw a failing status after freeing its socket. */
async function sendOrThrow(target: Pool): Promise<Dispatcher.ResponseData> {
  const res = await target.request(GET);
  if (res.statusCode >= 500 || res.statusCode === 429) {
    await res.body.dump();
    throw new StatusError(res.statusCode);
  }
  return res;
}
/** The hand-written round-robin users put over their Pools. */
let cursor = 0;
const nextPool = (): number => {
  cursor = cursor === pools.length - 1 ? 0 : cursor + 1;
  return cursor;
};

const cockatielRetry = retry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff({ initialDelay: 25, maxDelay: 250 }) });
const cockatielBreakers = pools.map(() => circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new SamplingBreaker({ threshold: 0.5, duration: 10_000 }) }));
const opossumBreakers = pools.map(() => new CircuitBreaker(sendOrThrow, { timeout: 10_000, errorThresholdPercentage: 50, resetTimeout: 10_000 }));

interface Variant {
  key: string;
  name: string;
  once: () => Promise<void>;
}
const allVariants: Variant[] = [
  {
    key: 'pool',
    name: 'undici `Pool.request`',
    once: async () => {
      const res = await pool.request(GET);
      await res.body.text();
    },
  },
  {
    key: 'balanced-pool',
    name: 'undici `BalancedPool`, 3 servers',
    once: async () => {
      const res = await balancedPool.request(GET);
      await res.body.text();
    },
  },
  {
    key: 'round-robin',
    name: '3 `Pool`s, hand-written round-robin',
    once: async () => {
      const res = await pools[nextPool()]!.request(GET);
      await res.body.text();
    },
  },
  {
    key: 'cockatiel',
    name: 'cockatiel retry + breaker glue, 3 servers',
    once: async () => {
      const res = await cockatielRetry.execute(() => {
        const i = nextPool();
        return cockatielBreakers[i]!.execute(() => sendOrThrow(pools[i]!));
      });
      await res.body.text();
    },
  },
  {
    key: 'opossum',
    name: 'opossum + p-retry glue, 3 servers',
    once: async () => {
      const res = await pRetry(
        () => {
          const i = nextPool();
          return opossumBreakers[i]!.fire(pools[i]!);
        },
        { retries: 2, minTimeout: 25, maxTimeout: 250 },
      );
      await res.body.text();
    },
  },
  {
    key: 'request-3',
    name: '`client.request`, default layers, 3 endpoints',
    once: async () => {
      const res = await clients.request3.request({ path: '/' });
      await res.body.text();
    },
  },
  {
    key: 'request',
    name: '`client.request`, default layers',
    once: async () => {
      const res = await clients.request.request({ path: '/' });
      await res.body.text();
    },
  },
  {
    key: 'routed',
    name: '`mesh.client().request`, a header route and a 90/10 split, default layers',
    once: async () => {
      const res = await clients.routed.request({ path: '/' });
      await res.body.text();
    },
  },
  {
    key: 'no-tracing',
    name: '`client.request`, tracing off',
    once: async () => {
      const res = await clients.noTracing.request({ path: '/' });
      await res.body.text();
    },
  },
  {
    key: 'no-breaker',
    name: '`client.request`, breaker off',
    once: async () => {
      const res = await clients.noBreaker.request({ path: '/' });
      await res.body.text();
    },
  },
  {
    key: 'no-retry',
    name: '`client.request`, retry off',
    once: async () => {
      const res = await clients.noRetry.request({ path: '/' });
      await res.body.text();
    },
  },
  {
    key: 'bare',
    name: '`client.request`, tracing, breaker and retry off',
    once: async () => {
      const res = await clients.bare.request({ path: '/' });
      await res.body.text();
    },
  },
  {
    key: 'undici-fetch',
    name: '`undici.fetch`',
    once: async () => {
      const res = await undiciFetch(`${origin}/`, { dispatcher: pool });
      await res.text();
    },
  },
  {
    key: 'fetch',
    name: '`client.fetch`, default layers',
    once: async () => {
      const res = await clients.request.fetch('/');
      await res.text();
    },
  },
  {
    key: 'global-fetch',
    name: "Node's `fetch` with `mesh.dispatcher()`, default layers",
    once: async () => {
      const res = await fetch('http://bench/', { dispatcher: meshDispatcher } as RequestInit);
      await res.text();
    },
  },
  {
    key: 'dispatcher-request',
    name: '`mesh.dispatcher().request()`, default layers',
    once: async () => {
      const res = await meshDispatcher.request({ origin: 'http://bench', path: '/', method: 'GET' });
      await res.body.text();
    },
  },
  {
    key: 'node-fetch',
    name: "Node's `fetch` with an undici `Agent`",
    once: async () => {
      const res = await fetch(`${origin}/`, { dispatcher: legacyAgent } as RequestInit);
      await res.text();
    },
  },
  {
    key: 'http-metrics-off',
    name: '`client.request`, default layers, `httpMetrics: false`',
    once: async () => {
      const res = await clients.httpMetricsOff.request({ path: '/' });
      await res.body.text();
    },
  },
  {
    key: 'metrics',
    name: '`client.request`, default layers, a metrics SDK registered',
    once: async () => {
      const res = await clients.metrics.request({ path: '/' });
      await res.body.text();
    },
  },
  {
    key: 'alerts',
    name: '`mesh.client().request`, default layers, two alert rules',
    once: async () => {
      const res = await clients.alerts.request({ path: '/' });
      await res.body.text();
    },
  },
];
const only = values.only === undefined ? undefined : new Set(values.only.split(','));
for (const key of only ?? []) if (!allVariants.some((v) => v.key === key)) throw new Error(`--only: no variant '${key}' (${allVariants.map((v) => v.key).join(', ')})`);
const variants = only ? allVariants.filter((v) => only.has(v.key)) : allVariants;

interface Round {
  rps: number;
  cpuUs: number;
}

/** Under callgrind, dumps (and zeroes) its counters with `label`; a no-op otherwise. */
const dumpCounters = values.callgrind
  ? (label: string): void => void execFileSync('callgrind_control', ['--dump=' + label, String(process.pid)], { stdio: 'ignore' })
  : (): void => {};

async function run(variant: Variant, ms: number, requests: number | undefined, label = 'skip'): Promise<Round> {
  // Collect the previous variant's garbage now, so it is not charged to this one.
  (globalThis as { gc?: () => void }).gc?.();
  dumpCounters('skip');
  let started = 0;
  const end = performance.now() + ms;
  const more = requests === undefined ? () => performance.now() < end : () => started < requests;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (more()) {
      started++;
      await variant.once();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  dumpCounters(label);
  return { rps: (started * 1000) / elapsed, cpuUs: (cpu.user + cpu.system) / started };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
/** Median and range of a per-round series. */
interface Spread {
  median: number;
  min: number;
  max: number;
}
const spread = (xs: readonly number[]): Spread => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

// Warm up every path (JIT, connections).
for (const v of variants) await run(v, 500, values.warmup === undefined ? fixedRequests : Number(values.warmup));

const results = new Map<string, Round[]>(variants.map((v) => [v.key, []]));
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < variants.length; i++) {
    const v = variants[(i + r) % variants.length]!;
    results.get(v.key)!.push(await run(v, seconds * 1000, fixedRequests, `${v.key}@${r}`));
  }
  process.stderr.write(`round ${r + 1}/${rounds} done\n`);
}
const loadAfter = os.loadavg();

const perRound = (key: string, f: (round: Round, i: number) => number): number[] => results.get(key)!.map(f);
const has = (key: string): boolean => results.has(key);
/** Per round, `b`'s CPU per request over `a`'s (above 1: `a` is cheaper), and `a`'s throughput over `b`'s. */
const ratios = (a: string, b: string) => ({
  cpu: spread(perRound(a, (x, i) => results.get(b)![i]!.cpuUs / x.cpuUs)),
  rps: spread(perRound(a, (x, i) => x.rps / results.get(b)![i]!.rps)),
});
const summary = variants.map((v) => ({
  key: v.key,
  name: v.name,
  cpuUs: spread(perRound(v.key, (x) => x.cpuUs)),
  rps: spread(perRound(v.key, (x) => x.rps)),
  /** To Pool.request in the same round (when it ran). */
  toPool: has('pool') ? ratios(v.key, 'pool') : undefined,
}));
/** Per round, `a`'s CPU per request minus `b`'s. */
const cpuDiff = (a: string, b: string): Spread => spread(perRound(a, (x, i) => x.cpuUs - results.get(b)![i]!.cpuUs));
const layerCost = [
  ['tracing', 'no-tracing'],
  ['breaker', 'no-breaker'],
  ['retry', 'no-retry'],
  ['all three', 'bare'],
  ['HTTP metrics without an SDK', 'http-metrics-off'],
]
  .filter(([, key]) => has('request') && has(key!))
  .map(([layer, key]) => ({ layer: layer!, savedUs: cpuDiff('request', key!) }));
/** What turning a feature on adds (CPU µs per request, that variant minus `request`, or `global-fetch` minus `fetch`). */
const featureCost = [
  ['metrics SDK (HTTP + switchyard metrics)', 'metrics', 'request'],
  ['alert windows (2 rules)', 'alerts', 'request'],
  ['global fetch + mesh.dispatcher() over client.fetch', 'global-fetch', 'fetch'],
  ['mesh.dispatcher() over client.request (no fetch)', 'dispatcher-request', 'request'],
]
  .filter(([, a, b]) => has(a!) && has(b!))
  .map(([feature, a, b]) => ({ feature: feature!, addedUs: cpuDiff(a!, b!) }));
const goals = [
  ['request', 'pool', '`client.request` / `Pool.request`, default layers', '>= 0.97'],
  ['request-3', 'cockatiel', '`client.request` / cockatiel glue, 3 endpoints', '>= 1.0'],
  ['request-3', 'round-robin', '`client.request` / 3 `Pool`s round-robin, 3 endpoints', ''],
  ['fetch', 'undici-fetch', '`client.fetch` / `undici.fetch`', '>= 1.5'],
  ['global-fetch', 'node-fetch', "Node's `fetch`: `mesh.dispatcher()` / undici `Agent`", ''],
]
  .filter(([a, b]) => has(a!) && has(b!))
  .map(([a, b, name, goal]) => ({ name: name!, goal: goal!, ...ratios(a!, b!) }));

await Promise.all([...Object.values(clients).map((c) => c.close()), routedMesh.close(), alertingMesh.close(), dispatchingMesh.close(), agent.close()]);
await meterProvider.shutdown();
await Promise.all([pool.close(), balancedPool.close(), ...pools.map((p) => p.close())]);
for (const breaker of opossumBreakers) breaker.shutdown();
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
/** The in-process timings: the token bucket, and the attempt-timer list against a clock timer per attempt. */
function microTimings() {
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
  const tokenBucketNs = measureTokenBucket().nsPerAcquire;
  const timers: (TimerHandle | undefined)[] = new Array(32);
  const timerPerAttemptNs = attemptTimerCost((slot) => {
    if (timers[slot]) systemClock.clearTimeout(timers[slot]);
    const attempt = new Attempt();
    timers[slot] = systemClock.setTimeout(() => attempt.expire(), 10_000);
  });
  for (const timer of timers) if (timer) systemClock.clearTimeout(timer);
  return { tokenBucketNs, attemptTimeoutsNs, timerPerAttemptNs };
}
const micro = values['skip-micro'] ? undefined : microTimings();

const cpus = os.cpus();
const machine = `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}`;
const load = `load average ${loadBefore[0]!.toFixed(2)} before, ${loadAfter[0]!.toFixed(2)} after (1 min)`;
const workload = fixedRequests === undefined ? `${seconds} s` : `${fixedRequests} requests`;

if (values.json) {
  console.log(JSON.stringify({ machine, loadBefore, loadAfter, concurrency, seconds, requests: fixedRequests, rounds, summary, layerCost, featureCost, goals, ...micro }, null, 2));
} else {
  const f1 = (x: number): string => x.toFixed(1);
  const f2 = (x: number): string => x.toFixed(2);
  const f3 = (x: number): string => x.toFixed(3);
  const range = (s: Spread, f: (x: number) => string): string => `${f(s.min)}–${f(s.max)}`;
  const ratioCells = (s: Spread | undefined): string => (s ? `${f3(s.median)} | ${range(s, f3)}` : '– | –');
  console.log(`\nswitchyard overhead: ${rounds} rounds × ${workload} per variant, concurrency ${concurrency}`);
  console.log(`${machine}; ${load}`);
  console.log('Medians over the rounds, spread (lowest–highest round) beside; ratios are to `Pool.request` in the same round.\n');
  console.log('| variant | client CPU µs per request | spread | CPU ratio (Pool.request CPU / this) | spread | req/s | throughput ratio | spread |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of summary) {
    console.log(`| ${s.name} | ${f1(s.cpuUs.median)} | ${range(s.cpuUs, f1)} | ${ratioCells(s.toPool?.cpu)} | ${s.rps.median.toFixed(0)} | ${ratioCells(s.toPool?.rps)} |`);
  }
  if (layerCost.length) {
    console.log('\nWhat each default layer costs: client CPU µs per request saved by turning it off (default layers minus that variant, per round).\n');
    console.log('| layer | µs per request | spread |');
    console.log('| --- | ---: | ---: |');
    for (const l of layerCost) console.log(`| ${l.layer} | ${f2(l.savedUs.median)} | ${range(l.savedUs, f2)} |`);
  }
  if (featureCost.length) {
    console.log('\nWhat a monitoring feature adds: client CPU µs per request, per round.\n');
    console.log('| feature | µs per request | spread |');
    console.log('| --- | ---: | ---: |');
    for (const c of featureCost) console.log(`| ${c.feature} | ${f2(c.addedUs.median)} | ${range(c.addedUs, f2)} |`);
  }
  if (goals.length) {
    console.log('\n| ratio (per round) | CPU (inverse) | spread | throughput | spread | goal |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const g of goals) console.log(`| ${g.name} | ${ratioCells(g.cpu)} | ${ratioCells(g.rps)} | ${g.goal} |`);
  }
  if (micro) {
    console.log(`\ntoken bucket: ${micro.tokenBucketNs.toFixed(1)} ns per acquire, clock read included (goal <= 100 ns)`);
    console.log(`attempt timer: AttemptTimeouts add + remove ${micro.attemptTimeoutsNs.toFixed(0)} ns; a clock timer per attempt ${micro.timerPerAttemptNs.toFixed(0)} ns`);
  }
}

/**
 * What the default resilience layers cost per call on the common path (the first attempt
 * succeeds, the breaker is closed), in process, with a stub `next` that resolves at once: no
 * network, so the figure is the layer's own work (allocations, promises, clock reads) and nothing
 * else. Each variant runs `--calls` sequential awaited calls per round; the variants are
 * interleaved over `--rounds` rounds (so drift hits them alike) and the median round counts.
 *
 * Variants, each beside `stub` (the balance layer's `{ ...call, endpoint }` copy and the stub):
 *   retry            the retry layer with its defaults (budget on)
 *   seam + breaker   the completion seam (load tracking, one outcome) admitting through a closed breaker (defaults)
 *   retry + seam + breaker  both, as the default client stacks them
 *   limiter          the token bucket layer (off by default) on a bucket that never runs dry
 *   opossum.fire     an opossum instance configured as the breaker layer's used to be (timeout,
 *                    snapshots and percentiles off, one shared rotation), on a bare action, beside
 *                    calling that action directly (`action`): what opossum alone would add per
 *                    attempt (docs/decisions.md, "Circuit breakers")
 *
 * Run with `npx tsx bench/layers.ts [--calls N] [--rounds N] [--json]`. The clock is the system
 * clock, as in a client; between rounds the event loop turns, so the breakers' shared bucket
 * rotation runs on time.
 */
import { EventEmitter } from 'node:events';
import { parseArgs } from 'node:util';
import CircuitBreaker from 'opossum';
import { BreakerLayer } from '../src/breaker/breaker-layer.js';
import { AttemptSeam } from '../src/mesh/attempt-seam.js';
import { parseBreakerOptions, type BreakerSettings } from '../src/breaker/breaker-options.js';
import { createCall, type Call, type Handler, type Reply } from '../src/core/call.js';
import { systemClock } from '../src/core/clock.js';
import { EventBus } from '../src/core/events.js';
import { seededRng } from '../src/core/rng.js';
import { toEndpoint } from '../src/fleet/endpoint.js';
import { Fleet } from '../src/fleet/fleet.js';
import { limiterLayer } from '../src/limit/limiter-layer.js';
import { RetryLayer } from '../src/retry/retry-layer.js';
import { parseRetryOptions, type RetrySettings } from '../src/retry/retry-options.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '300000' },
    rounds: { type: 'string', default: '15' },
    json: { type: 'boolean', default: false },
  },
});
const calls = Number(values.calls);
const rounds = Number(values.rounds);

const clock = systemClock;
const events = new EventBus();
const service = 'bench';
const fleet = new Fleet({ service, clock, events, ewmaTauMs: 10_000 });
fleet.update([toEndpoint('http://127.0.0.1:1', 'endpoints[0]')]);
const endpoint = fleet.snapshot.members[0]!;
const retry = new RetryLayer(parseRetryOptions(undefined) as RetrySettings, { service, clock, rng: seededRng(1), events, hedger: undefined });
const breakerSettings = parseBreakerOptions(undefined) as BreakerSettings;
const breakers = new BreakerLayer(breakerSettings, { service, clock, rng: seededRng(1), events, fleet });
/** The completion seam as a cluster has it: breaker admission, load tracking, one outcome. */
const seam = new AttemptSeam({ fleet, clock, breaker: breakers, isFailureStatus: breakerSettings.isFailureStatus });

const ok = { status: 200, headers: {}, body: { dump: async () => {} }, endpoint } as unknown as Reply;
/** The stub transport: a fresh resolved promise per attempt, as an async handler gives. */
const stub: Handler = () => Promise.resolve(ok);
const call: Call = createCall({ service });
/** What the balance layer does between retry and the layers below it: a copy with the endpoint. */
const balance =
  (below: Handler): Handler =>
  (c) =>
    below({ ...c, endpoint });
const breakerNext: Handler = (c) => seam.middleware(c, stub);
const limiter = limiterLayer({ rate: 1e15, burst: 1e15, maxWait: 0 }, { service, clock, events });

// opossum as the breaker layer configured it before it counted outcomes itself, on a bare action,
// its window rotated as the breaker layer rotates its own (every 10 s / 10 buckets = 1 s).
const action = (c: Call, next: Handler): Promise<Reply> => next(c);
const rotation = new EventEmitter();
const rotate = setInterval(() => rotation.emit('rotate'), 1_000);
const circuit = new CircuitBreaker(action, {
  timeout: false,
  resetTimeout: 2 ** 31 - 1,
  rollingPercentilesEnabled: false,
  enableSnapshots: false,
  rotateBucketController: rotation,
});

const variants: Record<string, () => Promise<unknown>> = {
  stub: () => balance(stub)(call),
  retry: () => retry.middleware(call, balance(stub)),
  'seam + breaker': () => balance(breakerNext)(call),
  'retry + seam + breaker': () => retry.middleware(call, balance(breakerNext)),
  limiter: () => limiter(call, balance(stub)),
  action: () => action(call, stub),
  'opossum.fire': () => circuit.fire(call, stub),
};

async function round(run: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await run();
  return Number(process.hrtime.bigint() - t0) / calls;
}

const samples = new Map<string, number[]>(Object.keys(variants).map((name) => [name, []]));
for (const run of Object.values(variants)) await round(run); // warm-up: JIT, the breaker's creation
for (let r = 0; r < rounds; r++) {
  for (const [name, run] of Object.entries(variants)) {
    samples.get(name)!.push(await round(run));
    // Let timers run (the breakers' bucket rotation) as a live client's event loop would.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
clearInterval(rotate);
circuit.shutdown();
fleet.close();
breakers.close();

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const ns = Object.fromEntries([...samples].map(([name, xs]) => [name, median(xs)]));
const cost = {
  retry: ns.retry! - ns.stub!,
  'seam + breaker': ns['seam + breaker']! - ns.stub!,
  'retry + seam + breaker': ns['retry + seam + breaker']! - ns.stub!,
  limiter: ns.limiter! - ns.stub!,
  'opossum.fire': ns['opossum.fire']! - ns.action!,
};
if (values.json) {
  console.log(JSON.stringify({ calls, rounds, nsPerCall: ns, costNs: cost, node: process.version }, null, 2));
} else {
  console.log(`resilience layers, common path: ${rounds} rounds x ${calls} calls, median ns per call, Node ${process.version}\n`);
  console.log('variant              ns/call   cost over its baseline');
  for (const [name, value] of Object.entries(ns)) {
    const extra = name in cost ? `${cost[name as keyof typeof cost].toFixed(0).padStart(8)} ns (over ${name === 'opossum.fire' ? 'action' : 'stub'})` : '';
    console.log(`${name.padEnd(18)} ${value.toFixed(0).padStart(9)}   ${extra}`);
  }
}


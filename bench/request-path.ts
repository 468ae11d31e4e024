/**
 * The client's own work per request, in process: every undici `Pool` in this process dispatches to
 * a canned response instead of a socket (`onRequestStart`, then on the next turn of the event loop
 * `onResponseStart` with parsed headers, one body chunk and `onResponseEnd`, the requests of one
 * turn answered together as a socket's would be). What is left is what undici's `Pool.request` and
 * switchyard's `client.request` do around a request, without the network, the parser or the kernel,
 * so a change of 100 ns on the request path shows where `npm run bench:overhead` (17–100 µs of
 * client CPU per request on a shared 2-core machine, ±20 % from round to round) cannot resolve it.
 *
 * Variants: undici `Pool.request`; three Pools with a hand-written round-robin, and the cockatiel
 * retry + breaker glue of bench/overhead.ts over them; `client.request` with the default layers,
 * with tracing, breaker or retry off, with all three off, and over three endpoints (`request-3`,
 * beside the glue: the client's own work against what users write instead). With `--baseline <another build's dist/index.js>`, the
 * client variants of that build run beside them in the same rounds (`old: ...`), so a change is
 * judged against the code before it in one process. Client CPU ns per request (process.cpuUsage),
 * closed loop at `--concurrency`, variants interleaved over `--rounds` rounds (order rotated each
 * round, full GC before each run); medians and per-round differences.
 *
 * Run: `npm run build && node --expose-gc --import tsx bench/request-path.ts [--rounds 15] [--ms 400]
 * [--concurrency 32] [--baseline path/to/index.js] [--only key,key]`
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { circuitBreaker, ExponentialBackoff, handleAll, retry, SamplingBreaker } from 'cockatiel';
import { Pool, type Dispatcher } from 'undici';
import type { ClientOptions, createClient as CreateClient } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    ms: { type: 'string', default: '400' },
    concurrency: { type: 'string', default: '32' },
    baseline: { type: 'string' },
    only: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const ms = Number(values.ms);
const concurrency = Number(values.concurrency);

// The canned response: headers as undici's parser hands them to a handler, and one body chunk.
const body = Buffer.from('{"ok":true}');
const responseHeaders = { 'content-type': 'application/json', 'content-length': String(body.length) };
const controller: Dispatcher.DispatchController = { abort() {}, pause() {}, resume() {}, aborted: false, paused: false, reason: null };
let due: Dispatcher.DispatchHandler[] = [];
const answer = (): void => {
  const handlers = due;
  due = [];
  for (const handler of handlers) {
    handler.onResponseStart!(controller, 200, responseHeaders, 'OK');
    handler.onResponseData!(controller, body);
    handler.onResponseEnd!(controller, {});
  }
};
Pool.prototype.dispatch = function dispatch(_options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
  handler.onRequestStart!(controller, {});
  if (due.push(handler) === 1) setImmediate(answer);
  return true;
};

const origin = 'http://127.0.0.1:1';
const origins = [1, 2, 3].map((port) => `http://127.0.0.1:${port}`);
const GET: Dispatcher.RequestOptions = { method: 'GET', path: '/' };
const pool = new Pool(origin);
const pools = origins.map((o) => new Pool(o));
let cursor = 0;
const nextPool = (): number => (cursor = cursor === pools.length - 1 ? 0 : cursor + 1);
/** The glue of bench/overhead.ts: a failing status is dumped and thrown, so the breaker and the retry see it. */
async function sendOrThrow(target: Pool): Promise<Dispatcher.ResponseData> {
  const res = await target.request(GET);
  if (res.statusCode >= 500 || res.statusCode === 429) {
    await res.body.dump();
    throw new Error(`status ${res.statusCode}`);
  }
  return res;
}
const cockatielRetry = retry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff({ initialDelay: 25, maxDelay: 250 }) });
const cockatielBreakers = pools.map(() => circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new SamplingBreaker({ threshold: 0.5, duration: 10_000 }) }));

interface Variant {
  key: string;
  once: () => Promise<unknown>;
}
const variants: Variant[] = [
  { key: 'pool', once: () => pool.request(GET).then((res) => res.body.text()) },
  { key: 'round-robin', once: () => pools[nextPool()]!.request(GET).then((res) => res.body.text()) },
  {
    key: 'cockatiel',
    once: () =>
      cockatielRetry
        .execute(() => {
          const i = nextPool();
          return cockatielBreakers[i]!.execute(() => sendOrThrow(pools[i]!));
        })
        .then((res) => res.body.text()),
  },
];
const closers: (() => Promise<void>)[] = [];

async function addClients(build: string, prefix: string): Promise<void> {
  const { createClient } = (await import(pathToFileURL(path.resolve(build)).href)) as { createClient: typeof CreateClient };
  const configs: [string, Partial<ClientOptions>][] = [
    ['request', {}],
    ['no-tracing', { tracing: false }],
    ['no-breaker', { breaker: false }],
    ['no-retry', { retry: false }],
    ['bare', { tracing: false, breaker: false, retry: false }],
    ['request-3', { endpoints: origins }],
  ];
  for (const [key, options] of configs) {
    const client = createClient({ service: 'bench', endpoints: [origin], ...options });
    closers.push(() => client.close());
    variants.push({ key: prefix + key, once: () => client.request({ path: '/' }).then((res) => res.body.text()) });
  }
}
await addClients(new URL('../dist/index.js', import.meta.url).pathname, '');
if (values.baseline) await addClients(values.baseline, 'old: ');
const only = values.only?.split(',');
const selected = only ? variants.filter((v) => v.key === 'pool' || only.some((k) => v.key === k || v.key === `old: ${k}`)) : variants;

async function run(variant: Variant, duration: number): Promise<number> {
  (globalThis as { gc?: () => void }).gc?.();
  let count = 0;
  const end = performance.now() + duration;
  const cpu0 = process.cpuUsage();
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      await variant.once();
      count++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const cpu = process.cpuUsage(cpu0);
  return ((cpu.user + cpu.system) * 1000) / count;
}

for (const v of selected) await run(v, ms);
const ns = new Map<string, number[]>(selected.map((v) => [v.key, []]));
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < selected.length; i++) {
    const v = selected[(i + r) % selected.length]!;
    ns.get(v.key)!.push(await run(v, ms));
  }
}
await Promise.all(closers.map((close) => close()));

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const diff = (a: string, b: string): string => {
  const xs = ns.get(a)!.map((x, i) => x - ns.get(b)![i]!);
  return `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}…${Math.max(...xs).toFixed(0)})`;
};
console.log(`client CPU ns per request, canned responses, ${rounds} rounds × ${ms} ms, concurrency ${concurrency}, Node ${process.version}\n`);
console.log('| variant | ns per request | over Pool.request (per round) |');
console.log('| --- | ---: | ---: |');
for (const v of selected) console.log(`| ${v.key} | ${median(ns.get(v.key)!).toFixed(0)} | ${v.key === 'pool' ? '' : diff(v.key, 'pool')} |`);
const pairs: [string, string][] = [];
for (const prefix of values.baseline ? ['', 'old: '] : ['']) {
  for (const off of ['no-tracing', 'no-breaker', 'no-retry', 'bare']) pairs.push([`${prefix}request`, `${prefix}${off}`]);
}
pairs.push(['request-3', 'cockatiel'], ['request-3', 'round-robin']);
if (values.baseline) for (const key of ['request', 'no-tracing', 'no-breaker', 'no-retry', 'bare']) pairs.push([`old: ${key}`, key]);
console.log('\n| a − b, per round | ns per request (lowest…highest) |');
console.log('| --- | ---: |');
for (const [a, b] of pairs) if (ns.has(a) && ns.has(b)) console.log(`| ${a} − ${b} | ${diff(a, b)} |`);

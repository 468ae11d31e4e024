/**
 * What routing adds to a call: the router of `bench/overhead.ts`'s `routed` mesh (a header route
 * that does not match, then a 90/10 split), over stub route handlers that resolve at once, beside
 * the same call sent straight to a stub. In process, no network: the difference is the router's
 * own work (the path's query cut off, the header matcher, one RNG draw, the share's handler).
 *
 *   npx tsx bench/router.ts [calls]                 ns per call, both ways (moves with the machine's load)
 *
 * Instructions per routed call, which do not move with other processes: run it under callgrind
 * with `--only routed` and `--only direct` at two call counts each, and divide the differences:
 *
 *   valgrind --tool=callgrind node --import tsx bench/router.ts 20000 --only routed
 *   valgrind --tool=callgrind node --import tsx bench/router.ts 60000 --only routed
 */
import { createCall, type Handler, type Reply } from '../src/core/call.js';
import { systemClock } from '../src/core/clock.js';
import { seededRng } from '../src/core/rng.js';
import { DEFAULTS } from '../src/defaults.js';
import { parseRoutes } from '../src/mesh/route-options.js';
import { router, type CompiledRoute } from '../src/mesh/router.js';

const calls = Number(process.argv[2] ?? 300_000);
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const timeout = { attempt: DEFAULTS.attemptTimeoutMs, total: DEFAULTS.totalTimeoutMs, body: Infinity };
const ok = { status: 200, headers: {}, body: { dump: async () => {} }, endpoint: undefined } as unknown as Reply;
const stub: Handler = () => Promise.resolve(ok);
const routes = parseRoutes(
  [
    { name: 'beta', match: { headers: [{ name: 'x-beta', present: true }] }, subset: 'v1' },
    { name: 'split', split: [{ subset: 'v1', weight: 90 }, { weight: 10 }] },
  ],
  'routes',
  new Set(['v1']),
  timeout,
);
const compiled: CompiledRoute[] = routes.map((r) => ({ name: r.name, matches: r.matches, timeout, handlers: r.split.map(() => stub), weights: r.split.map((s) => s.weight) }));
const fallback: CompiledRoute = { name: 'default', matches: () => true, timeout, handlers: [stub], weights: [1] };
const routed = router(compiled, fallback, seededRng(1), systemClock);
const call = createCall({ service: 'bench', path: '/v1/items?page=2', timeout, headers: { accept: '*/*' } });

async function run(handler: Handler): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await handler(call);
  return Number(process.hrtime.bigint() - started) / calls;
}

const out: string[] = [];
if (only !== 'routed') out.push(`direct ${(await run(stub)).toFixed(0)} ns`);
if (only !== 'direct') out.push(`routed ${(await run(routed)).toFixed(0)} ns`);
console.log(`${calls} calls: ${out.join(', ')} per call, Node ${process.version}`);

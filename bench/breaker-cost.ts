/**
 * What the per-endpoint breakers cost at scale: heap per idle endpoint (no breaker yet), heap per
 * breaker once an endpoint has been picked, and timers, for a 10 000-endpoint fleet.
 *
 * Run with `node --expose-gc --import tsx bench/breaker-cost.ts [--endpoints N]`.
 * Goal: an idle endpoint costs <= 1 KB; breakers add no timer per endpoint.
 */
import { parseArgs } from 'node:util';
import { BreakerLayer } from '../src/breaker/breaker-layer.js';
import { AttemptSeam } from '../src/mesh/attempt-seam.js';
import { parseBreakerOptions, type BreakerSettings } from '../src/breaker/breaker-options.js';
import { createCall, type Reply } from '../src/core/call.js';
import { systemClock } from '../src/core/clock.js';
import { EventBus } from '../src/core/events.js';
import { seededRng } from '../src/core/rng.js';
import { toEndpoint } from '../src/fleet/endpoint.js';
import { Fleet } from '../src/fleet/fleet.js';

const { values } = parseArgs({ options: { endpoints: { type: 'string', default: '10000' } } });
const n = Number(values.endpoints);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc --import tsx bench/breaker-cost.ts');

function heap(): number {
  for (let i = 0; i < 3; i++) gc!();
  return process.memoryUsage().heapUsed;
}
// Timers here are unref'd, which process.getActiveResourcesInfo() does not list: count them at the source.
const live = new Set<unknown>();
const { setTimeout: st, setInterval: si, clearTimeout: ct, clearInterval: ci } = globalThis;
Object.assign(globalThis, {
  setTimeout: (fn: () => void, ms?: number) => {
    const t: NodeJS.Timeout = st(() => (live.delete(t), fn()), ms);
    live.add(t);
    return t;
  },
  setInterval: (fn: () => void, ms?: number) => {
    const t = si(fn, ms);
    live.add(t);
    return t;
  },
  clearTimeout: (t: NodeJS.Timeout) => (live.delete(t), ct(t)),
  clearInterval: (t: NodeJS.Timeout) => (live.delete(t), ci(t)),
});
const timers = (): number => live.size;

const events = new EventBus();
const endpoints = Array.from({ length: n }, (_, i) => toEndpoint(`http://10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:80`, `endpoints[${i}]`));
const base = heap();
const fleet = new Fleet({ service: 'svc', clock: systemClock, events, ewmaTauMs: 10_000 });
const settings = parseBreakerOptions(undefined) as BreakerSettings;
const layer = new BreakerLayer(settings, { service: 'svc', clock: systemClock, rng: seededRng(1), events, fleet });
const seam = new AttemptSeam({ fleet, clock: systemClock, breaker: layer, isFailureStatus: settings.isFailureStatus });
fleet.update(endpoints);
const idle = heap();
const timersIdle = timers();

const ok = { status: 200, headers: {}, body: { dump: async () => {} }, endpoint: undefined } as unknown as Reply;
const next = async (): Promise<Reply> => ok;
const call = createCall({ service: 'svc' });
let started = performance.now();
for (const state of fleet.snapshot.members) await seam.middleware({ ...call, endpoint: state }, next);
const createMs = performance.now() - started;
const withBreakers = heap();
const timersWithBreakers = timers();

started = performance.now();
fleet.close();
const closeMs = performance.now() - started;
const timersAfter = timers();

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(2)} KB`;
console.log(`${n} endpoints`);
console.log(`idle endpoint (fleet state, no breaker): ${kb((idle - base) / n)} each (goal <= 1 KB); breaker timers: ${timersIdle}`);
console.log(`breaker, once picked (state machine + rolling window): ${kb((withBreakers - idle) / n)} each; created in ${(createMs / n * 1000).toFixed(1)} us each`);
console.log(`timers with ${n} breakers: ${timersWithBreakers} (one shared bucket rotation)`);
console.log(`fleet close (shuts every breaker down): ${closeMs.toFixed(0)} ms; timers after: ${timersAfter}`);

import { AttemptSeam } from '../../src/mesh/attempt-seam.js';
import { BreakerLayer } from '../../src/breaker/breaker-layer.js';
import { parseBreakerOptions } from '../../src/breaker/breaker-options.js';
import { Fleet } from '../../src/fleet/fleet.js';
import { toEndpoint } from '../../src/fleet/endpoint.js';
import { EventBus } from '../../src/core/events.js';
import { systemClock } from '../../src/core/clock.js';
import { seededRng } from '../../src/core/rng.js';
import { createCall } from '../../src/core/call.js';
const events = new EventBus();
function make(withBreaker: boolean) {
  const fleet = new Fleet({ service: 's', clock: systemClock, events, ewmaTauMs: 10000 });
  fleet.update([toEndpoint('http://127.0.0.1:1', 'e')]);
  const settings: any = parseBreakerOptions(undefined);
  const breaker = withBreaker ? new BreakerLayer(settings, { service: 's', clock: systemClock, rng: seededRng(1), events, fleet }) : undefined;
  const seam = new AttemptSeam({ fleet, clock: systemClock, breaker, isFailureStatus: settings.isFailureStatus });
  return { seam, endpoint: fleet.snapshot.members[0]! };
}
const ok: any = { status: 200, headers: {}, body: {}, endpoint: undefined };
const stub = () => Promise.resolve(ok);
const call = createCall({ service: 's' });
const a = make(false), b = make(true);
const variants: Record<string, () => Promise<unknown>> = {
  stub: () => stub(),
  spread: () => stub({ ...call, endpoint: a.endpoint } as any),
  seam: () => a.seam.middleware({ ...call, endpoint: a.endpoint }, stub),
  'seam+breaker': () => b.seam.middleware({ ...call, endpoint: b.endpoint }, stub),
  beginEnd: async () => { const r = a.seam.begin(call, a.endpoint); a.seam.end(r, ok); },
};
const N = 200000;
for (let round = 0; round < 5; round++) {
  const out: string[] = [];
  for (const [k, f] of Object.entries(variants)) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) await f();
    out.push(`${k}=${(Number(process.hrtime.bigint() - t0) / N).toFixed(0)}`);
  }
  console.log(out.join(' '));
}
const asyncMw = async (c: any, next: any) => { const r = a.seam.begin(c, c.endpoint); let reply; try { reply = await next(c); } catch (e) { a.seam.end(r, undefined, e); throw e; } a.seam.end(r, reply); return reply; };
const thenNoEnd = (c: any, next: any) => { const r = a.seam.begin(c, c.endpoint); return next(c).then((reply: any) => reply); };
const v2: Record<string, () => Promise<unknown>> = {
  stub: () => stub(),
  seam: () => a.seam.middleware({ ...call, endpoint: a.endpoint }, stub),
  asyncMw: () => asyncMw({ ...call, endpoint: a.endpoint }, stub),
  thenNoEnd: () => thenNoEnd({ ...call, endpoint: a.endpoint }, stub),
};
for (let round = 0; round < 5; round++) {
  const out: string[] = [];
  for (const [k, f] of Object.entries(v2)) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) await f();
    out.push(`${k}=${(Number(process.hrtime.bigint() - t0) / N).toFixed(0)}`);
  }
  console.log(out.join(' '));
}

/**
 * The cost of one attempt through a cluster's own layers (balance pick over three endpoints,
 * completion seam with a closed breaker and the load tracker), over a stub transport that
 * resolves at once: no network, no tracing, so the figure is the per-attempt work the cluster adds.
 *
 *   npx tsx bench/attempt-path.ts [attempts]            ns per attempt (moves with the machine's load)
 *
 * Instructions per attempt, which do not move with other processes: run it under callgrind for
 * two counts and divide the difference by the difference of attempts (startup cancels out):
 *
 *   valgrind --tool=callgrind node --import tsx bench/attempt-path.ts 20000
 *   valgrind --tool=callgrind node --import tsx bench/attempt-path.ts 60000
 */
import { BalanceLayer } from '../src/balance/balance-layer.js';
import { roundRobin } from '../src/balance/round-robin.js';
import { BreakerLayer } from '../src/breaker/breaker-layer.js';
import { parseBreakerOptions, type BreakerSettings } from '../src/breaker/breaker-options.js';
import { createCall, type Reply } from '../src/core/call.js';
import { systemClock } from '../src/core/clock.js';
import { EventBus } from '../src/core/events.js';
import { seededRng } from '../src/core/rng.js';
import { toEndpoint } from '../src/fleet/endpoint.js';
import { Fleet } from '../src/fleet/fleet.js';
import { AttemptSeam } from '../src/mesh/attempt-seam.js';
import { clusterHandler } from '../src/mesh/pipeline.js';
import { redactedPath } from '../src/telemetry/redact-url.js';
import type { Transport } from '../src/transport/transport.js';

const attempts = Number(process.argv[2] ?? 300_000);
const events = new EventBus();
const clock = systemClock;
const fleet = new Fleet({ service: 'bench', clock, events, ewmaTauMs: 10_000 });
fleet.update([1, 2, 3].map((i) => toEndpoint(`http://127.0.0.1:${i}`, `endpoints[${i}]`)));
const settings = parseBreakerOptions(undefined) as BreakerSettings;
const breaker = new BreakerLayer(settings, { service: 'bench', clock, rng: seededRng(1), events, fleet });
const seam = new AttemptSeam({ fleet, clock, breaker, isFailureStatus: settings.isFailureStatus });
const balance = new BalanceLayer({ service: 'bench', members: fleet, balancer: roundRobin(), clock, rng: seededRng(2) });
const ok = { status: 200, headers: {}, body: { dump: async () => {} }, endpoint: undefined } as unknown as Reply;
const transport = { handler: () => Promise.resolve(ok) } as unknown as Transport;
const handler = clusterHandler({ balance, seam, tracer: undefined, redactPath: redactedPath, transport });
const call = createCall({ service: 'bench' });

const started = process.hrtime.bigint();
for (let i = 0; i < attempts; i++) await handler(call);
const ns = Number(process.hrtime.bigint() - started) / attempts;
console.log(`${attempts} attempts: ${ns.toFixed(0)} ns per attempt (balance + completion seam + breaker, stub transport), Node ${process.version}`);
balance.close();
breaker.close();
fleet.close();

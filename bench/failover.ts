/**
 * `npm run bench:failover`: how long a dead, a failing and a slow endpoint take to leave the
 * traffic and to come back, per balancer, with the client's default breaker and retry settings.
 *
 * Three real HTTP servers on 127.0.0.1 in a child process (the test suite's loopback servers,
 * `test/support/loopback-server.ts`), each answering after 2 ms. Eight workers send calls in a
 * closed loop with a 10 ms pause between calls (every fourth a POST without an idempotency key,
 * the rest GETs). Each round and balancer runs three scenarios against server 0, each as a warm-up
 * of `--warmup` ms, the fault for `--fault` ms, then `--after` ms healthy again:
 *
 * - dead:    the server stops listening and drops its connections (connects are refused);
 * - failing: it answers every request 503;
 * - slow:    it answers after 60 ms (30× the others).
 *
 * Printed per scenario (median and range over rounds):
 * - `out`:  fault start → the server is out: the `endpoint-ejected` event (dead, failing), or
 *           the first 250 ms window with under 5 % of the calls (slow); `-` if never;
 * - `to bad`: attempts the faulty server received during the fault;
 * - `failed GET / POST`: calls that failed (an error, or a 5xx after the retries) during the fault;
 * - `back`: fault end → the first 250 ms window in which the server answers at least 80 % of a
 *           fair share (a third);
 * - `share`: its share of the calls in the last 2 s of the run (fair: 33 %).
 * and the client's CPU time per call (µs) over the whole run. Timings move with the machine's
 * load (a 2-core machine shared with other work stops processes for tens of ms): quote the spread.
 *
 * Options: --rounds <default 2> --balancers <comma list, default round-robin,p2c,peak-ewma,least-response-time>
 *          --warmup <ms, default 1000> --fault <ms, default 3000> --after <ms, default 12000> --json
 */
import { parseArgs } from 'node:util';
import { sleep, systemClock } from '../src/core/clock.js';
import { BALANCER_NAMES } from '../src/balance/registry.js';
import { ConfigError } from '../src/core/errors.js';
import { createClient, type BalancerName, type Client } from '../src/index.js';
import { startLoopbackFleet, type LoopbackFleet, type ServerMode } from '../test/support/loopback.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    balancers: { type: 'string', default: 'round-robin,p2c,peak-ewma,least-response-time' },
    warmup: { type: 'string', default: '1000' },
    fault: { type: 'string', default: '3000' },
    after: { type: 'string', default: '12000' },
    json: { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const balancers = values.balancers.split(',') as BalancerName[];
for (const name of balancers) if (!BALANCER_NAMES.includes(name)) throw new ConfigError('--balancers', name, `one of ${BALANCER_NAMES.join(', ')}`);
const warmupMs = Number(values.warmup);
const faultMs = Number(values.fault);
const afterMs = Number(values.after);
const WORKERS = 8;
const PAUSE_MS = 10;
const BASE_DELAY_MS = 2;
const WINDOW_MS = 250;

const FAULTS: Record<string, ServerMode> = {
  dead: { down: true },
  failing: { status: 503 },
  slow: { delayMs: 30 * BASE_DELAY_MS },
};

/** One call: when it was sent (ms since the run's start), which server answered (-1: none), whether it failed. */
interface Sent {
  at: number;
  server: number;
  failed: boolean;
  post: boolean;
}

interface Figures {
  outMs: number | undefined;
  toBad: number;
  failedGet: number;
  failedPost: number;
  backMs: number | undefined;
  share: number;
  cpuUsPerCall: number;
}

async function runScenario(fleet: LoopbackFleet, balancer: BalancerName, fault: string): Promise<Figures> {
  await fleet.reset();
  for (let i = 0; i < 3; i++) await fleet.setMode(i, { delayMs: BASE_DELAY_MS });
  const client: Client = createClient({ service: 'bench', endpoints: fleet.urls, balancer });
  const start = systemClock.now();
  const faultAt = warmupMs;
  const healAt = warmupMs + faultMs;
  const endAt = healAt + afterMs;
  let ejectedAt: number | undefined;
  client.on('endpoint-ejected', (e) => {
    if (e.url === fleet.urls[0] && ejectedAt === undefined && systemClock.now() - start >= faultAt) ejectedAt = systemClock.now() - start;
  });
  const sent: Sent[] = [];
  let calls = 0;
  const cpu = process.cpuUsage();
  const worker = async (w: number) => {
    for (let n = w; systemClock.now() - start < endAt; n += WORKERS) {
      const post = n % 4 === 3;
      const at = systemClock.now() - start;
      const record: Sent = { at, server: -1, failed: true, post };
      sent.push(record);
      calls++;
      try {
        const res = post ? await client.request({ method: 'POST', path: '/echo', body: 'charge' }) : await client.request({ path: '/ok' });
        await res.body.dump();
        record.server = Number(res.headers['x-server']);
        record.failed = res.statusCode >= 500;
      } catch {
        // counted as failed
      }
      await sleep(systemClock, PAUSE_MS);
    }
  };
  const faulty = async () => {
    await sleep(systemClock, faultAt - (systemClock.now() - start));
    const before = client.stats()[0]!.requests;
    await fleet.setMode(0, { ...FAULTS[fault]!, delayMs: FAULTS[fault]!.delayMs ?? BASE_DELAY_MS });
    await sleep(systemClock, healAt - (systemClock.now() - start));
    await fleet.setMode(0, { delayMs: BASE_DELAY_MS });
    return client.stats()[0]!.requests - before;
  };
  const [toBad] = await Promise.all([faulty(), ...Array.from({ length: WORKERS }, (_, w) => worker(w))]);
  const used = process.cpuUsage(cpu);
  await client.close();

  const during = sent.filter((s) => s.at >= faultAt && s.at < healAt);
  const windowShare = (from: number) => {
    const inWindow = sent.filter((s) => s.at >= from && s.at < from + WINDOW_MS && s.server >= 0);
    return inWindow.length === 0 ? 0 : inWindow.filter((s) => s.server === 0).length / inWindow.length;
  };
  let outMs = ejectedAt === undefined ? undefined : ejectedAt - faultAt;
  if (fault === 'slow') {
    outMs = undefined;
    for (let t = faultAt; t + WINDOW_MS <= healAt; t += 50) {
      if (windowShare(t) < 0.05) {
        outMs = t + WINDOW_MS - faultAt;
        break;
      }
    }
  }
  let backMs: number | undefined;
  for (let t = healAt; t + WINDOW_MS <= endAt; t += 50) {
    if (windowShare(t) >= 0.8 / 3) {
      backMs = t + WINDOW_MS - healAt;
      break;
    }
  }
  const last = sent.filter((s) => s.at >= endAt - 2_000 && s.server >= 0);
  return {
    outMs,
    toBad: toBad!,
    failedGet: during.filter((s) => s.failed && !s.post).length,
    failedPost: during.filter((s) => s.failed && s.post).length,
    backMs,
    share: last.filter((s) => s.server === 0).length / Math.max(1, last.length),
    cpuUsPerCall: (used.user + used.system) / calls,
  };
}

const ms = (v: number | undefined) => (v === undefined ? '-' : `${Math.round(v)}`);
function spread(list: readonly (number | undefined)[], format: (v: number | undefined) => string): string {
  const known = list.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  if (known.length === 0) return '-';
  const median = known[Math.floor((known.length - 1) / 2)]!;
  const never = list.length - known.length;
  const range = known.length > 1 ? ` (${format(known[0])}–${format(known.at(-1))})` : '';
  return `${format(median)}${range}${never ? ` +${never}×never` : ''}`;
}

const fleet = await startLoopbackFleet(3);
const results: { balancer: BalancerName; fault: string; rounds: Figures[] }[] = [];
try {
  for (const balancer of balancers) {
    for (const fault of Object.keys(FAULTS)) results.push({ balancer, fault, rounds: [] });
  }
  for (let r = 0; r < rounds; r++) {
    for (const entry of results) {
      entry.rounds.push(await runScenario(fleet, entry.balancer, entry.fault));
      if (!values.json) process.stderr.write('.');
    }
  }
} finally {
  await fleet.stop();
}

if (values.json) {
  console.log(JSON.stringify({ rounds, warmupMs, faultMs, afterMs, results }, null, 2));
} else {
  process.stderr.write('\n');
  console.log(`bench:failover  ${rounds} rounds; fault ${faultMs} ms, then ${afterMs} ms healthy; median (min–max) over rounds`);
  const header = ['fault', 'balancer', 'out ms', 'to bad', 'failed GET', 'failed POST', 'back ms', 'share', 'CPU µs/call'];
  const rows = results.map(({ balancer, fault, rounds: f }) => [
    fault,
    balancer,
    spread(f.map((x) => x.outMs), ms),
    spread(f.map((x) => x.toBad), ms),
    spread(f.map((x) => x.failedGet), ms),
    spread(f.map((x) => x.failedPost), ms),
    spread(f.map((x) => x.backMs), ms),
    spread(f.map((x) => x.share * 100), (v) => `${Math.round(v!)}%`),
    spread(f.map((x) => x.cpuUsPerCall), (v) => `${Math.round(v!)}`),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
}

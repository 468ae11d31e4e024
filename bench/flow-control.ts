import os from 'node:os';
import type { ClientOptions } from '../src/client-options.js';
import { ConfigError } from '../src/core/errors.js';
import type { Outcome } from './load/recorder.js';
import { startBackends } from './loopback/backend-fleet.js';
import { runOpenLoop } from './loopback/open-loop.js';
import { latency } from './model/distribution.js';
import { formatMs, formatPct, formatRate } from './report/format.js';
import { prime } from './runner.js';
import { rateAt, type Scenario } from './scenario/scenario.js';

/**
 * The flow-control settings `npm run bench -- --limits ...` compares, by name, each a function
 * of the fleet's capacity (requests per second). Defaults of the library except where a setting
 * has no default that fits a run of seconds (the throttle's two-minute window).
 */
export const LIMIT_PRESETS: Readonly<Record<string, { readonly describe: string; readonly options: (capacity: number) => Partial<ClientOptions> }>> = {
  none: { describe: 'no limit', options: () => ({}) },
  bucket: { describe: 'token bucket at the fleet capacity (burst 5 %)', options: (c) => ({ limiter: { rate: c, burst: Math.max(1, Math.round(c / 20)) } }) },
  aimd: { describe: "concurrencyLimit: { algorithm: 'aimd' }", options: () => ({ concurrencyLimit: { algorithm: 'aimd' } }) },
  vegas: { describe: "concurrencyLimit: { algorithm: 'vegas' }", options: () => ({ concurrencyLimit: { algorithm: 'vegas' } }) },
  gradient2: { describe: "concurrencyLimit: { algorithm: 'gradient2' }", options: () => ({ concurrencyLimit: { algorithm: 'gradient2' } }) },
  throttle: { describe: 'throttle: { windowMs: 2 000 } (K = 2)', options: () => ({ throttle: { windowMs: 2_000 } }) },
};

/**
 * Requests per second the scenario's fleet serves at most: each backend serves `capacity`
 * requests at a time, each taking its latency's mean.
 * @throws ConfigError if a backend has no finite capacity (nothing to overload)
 */
export function fleetCapacity(scenario: Scenario): number {
  return scenario.backends.reduce((sum, b, i) => {
    if (!Number.isFinite(b.capacity)) throw new ConfigError(`backends[${i}].capacity`, b.capacity, 'a finite capacity, to compare limits under overload');
    return sum + b.capacity * (1_000 / latency(b.latency).mean);
  }, 0);
}

/** One limit's figures at two points of the ramp. */
export interface LimitRow {
  readonly limit: string;
  /** p99 of successful calls offered at <= 50 % of capacity (ms). */
  readonly p99NoLoad: number;
  /** Successful calls per second while the offered load was 140-160 % of capacity, and as % of capacity. */
  readonly goodput150: number;
  readonly goodput150Pct: number;
  /** p99 of successful calls offered at 140-160 % (ms). */
  readonly p99At150: number;
  /** How the calls offered at 140-160 % ended (counts). */
  readonly outcomes150: Readonly<Record<Outcome, number>>;
  /** CPU time of this process (load generator and client) per request offered, warm-up and drain included (µs). */
  readonly cpuUsPerRequest: number;
}

/** Percentile `q` of `xs` (sorted in place). */
const percentile = (xs: number[], q: number): number => (xs.length === 0 ? Number.NaN : xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!);

/**
 * Runs `scenario` once per limit preset, each on a fresh loopback fleet with `balancer`, and measures
 * each at the ramp's low end (<= 50 % of capacity: the no-load p99) and around 150 % (140-160 %):
 * goodput and p99 of the calls that succeeded. The goals: with an adaptive limit, goodput
 * at 150 % >= 90 % of capacity and p99 there <= 3 × the no-load p99.
 * @throws ConfigError naming an unknown preset
 */
export async function compareLimits(scenario: Scenario, limits: readonly string[], balancer: string, processes?: number): Promise<{ rows: LimitRow[]; capacity: number; table: string }> {
  limits.forEach((name, i) => {
    if (!(name in LIMIT_PRESETS)) throw new ConfigError(`--limits[${i}]`, name, `one of ${Object.keys(LIMIT_PRESETS).join(', ')}`);
  });
  const capacity = fleetCapacity(scenario);
  const share = (at: number): number => rateAt(scenario.load, scenario.durationMs, at) / capacity;
  // How long the ramp spends at 140-160 % of capacity (ms), for the goodput there.
  let span150 = 0;
  for (let t = 0; t < scenario.durationMs; t++) if (share(t) >= 1.4 && share(t) <= 1.6) span150++;
  if (span150 === 0) throw new ConfigError('--limits', limits, `a scenario whose offered load passes 150 % of its capacity (${formatRate(capacity)}); ${scenario.name} does not`);
  const rows: LimitRow[] = [];
  for (const limit of limits) {
    // A fresh, primed fleet per limit: a run without one leaves seconds of queued work behind.
    const fleet = await startBackends(scenario.backends, scenario.durationMs, { processes });
    try {
      await prime(scenario, balancer, fleet);
      const noLoad: number[] = [];
      const at150: number[] = [];
      const outcomes150: Record<Outcome, number> = { ok: 0, status: 0, timeout: 0, error: 0 };
      const run = { ...scenario, client: { ...scenario.client, ...LIMIT_PRESETS[limit]!.options(capacity) } };
      const cpu = process.cpuUsage();
      const result = await runOpenLoop(run, balancer, fleet, {
        onReply: (at, ms, outcome) => {
          if (at < 0) return;
          const s = share(at);
          if (s <= 0.5 && outcome === 'ok') noLoad.push(ms);
          if (s >= 1.4 && s <= 1.6) {
            outcomes150[outcome]++;
            if (outcome === 'ok') at150.push(ms);
          }
        },
      });
      const used = process.cpuUsage(cpu);
      const goodput150 = (outcomes150.ok * 1_000) / span150;
      rows.push({
        limit,
        p99NoLoad: percentile(noLoad, 0.99),
        goodput150,
        goodput150Pct: (100 * goodput150) / capacity,
        p99At150: percentile(at150, 0.99),
        outcomes150,
        cpuUsPerRequest: (used.user + used.system) / Math.max(1, result.offered),
      });
    } finally {
      await fleet.stop();
    }
  }
  const header = ['limit', 'p99 at <=50 %', 'goodput at 150 %', 'p99 at 150 %', 'p99 ratio', 'timeouts', 'shed (local)', 'client CPU/req', 'goals'];
  const lines = rows.map((r) => {
    const ratio = r.p99At150 / r.p99NoLoad;
    const goals = r.goodput150Pct >= 90 && ratio <= 3 ? 'met' : 'missed';
    return [r.limit, formatMs(r.p99NoLoad), `${formatRate(r.goodput150)} (${formatPct(r.goodput150Pct)})`, formatMs(r.p99At150), `${ratio.toFixed(1)}×`, String(r.outcomes150.timeout), String(r.outcomes150.error), `${r.cpuUsPerRequest.toFixed(0)}µs`, goals];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  const table = [
    `${scenario.name}: flow-control limits on ${balancer}, fleet capacity ${formatRate(capacity)}, offered ${formatRate(scenario.load.rate.from)} -> ${formatRate(scenario.load.rate.to)} over ${scenario.durationMs} ms; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs at the end`,
    row(header),
    ...lines.map(row),
    ...limits.map((l) => `  ${l}: ${LIMIT_PRESETS[l]!.describe}`),
    '  goals (issue 10): goodput at 150 % >= 90 % of capacity and p99 at 150 % <= 3 × the no-load p99',
  ].join('\n');
  return { rows, capacity, table };
}

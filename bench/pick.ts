/**
 * `npm run bench:pick`: the cost of one pick for every balancer at 10, 1 000, 10 000 and 100 000
 * endpoints, and the cost of rebuilding a picker on a membership change (total time and the
 * longest the event loop is held) at 10 000 and 100 000.
 *
 * Each (balancer, fleet size) runs in its own child process, as a client would run it: one picker
 * class at the balance layer's call site (a shared loop over every balancer would measure
 * megamorphic dispatch instead). Endpoints are real `EndpointState`s with random in-flight counts
 * and latency histories; hashing balancers get a rotating set of 4 096 keys. The time a pick gets
 * is read once per batch, as the balance layer reads the clock once per attempt (that read is
 * printed separately).
 *
 * Rebuild: the fleet loses one endpoint and gains another, and the picker is rebuilt (warm: after
 * the first build). A `setImmediate` ticker sees every stretch between two turns of the event
 * loop. Its wall time overstates the block on a busy machine (it includes time the OS gave other
 * processes) and the process's CPU time overstates it too (it includes the garbage collector's
 * helper threads), so the block reported for a stretch is the smaller of the two, an upper bound
 * on how long the build held the loop. (`process.threadCpuUsage` would be exact but is
 * tick-grained on Linux.) The longest wall stretch is printed beside it.
 *
 * The figure is the median of the measured rounds; the fastest round is printed too, the better
 * estimate on a machine shared with other work (interference only ever adds time).
 *
 * Options: `--sizes 10,1000` `--balancers p2c,maglev` `--rounds 9` (measured rounds per balancer
 * and size, odd) `--json` (machine-readable output).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MaglevPicker } from '../src/balance/maglev.js';
import { BALANCER_NAMES, resolveBalancer, type BalancerName } from '../src/balance/registry.js';
import type { Picker } from '../src/balance/balancer.js';
import { createCall, type Call } from '../src/core/call.js';
import { systemClock } from '../src/core/clock.js';
import { EventBus } from '../src/core/events.js';
import { seededRng, systemRng } from '../src/core/rng.js';
import { DEFAULTS } from '../src/defaults.js';
import { toEndpoint, type Endpoint } from '../src/fleet/endpoint.js';
import { Fleet } from '../src/fleet/fleet.js';

const SIZES = [10, 1_000, 10_000, 100_000];
const REBUILD_SIZES = new Set([10_000, 100_000]);
const KEYS = 4_096;
const DEFAULT_ROUNDS = 9;
/** Target wall time of one measured round. */
const ROUND_NS = 40e6;

interface Result {
  balancer: BalancerName;
  size: number;
  /** Median of the rounds. */
  nsPerPick: number;
  /** Fastest round. */
  fastestNsPerPick: number;
  firstBuildMs: number;
  rebuild?: { totalMs: number; longestWallMs: number; longestBlockMs: number; chunks: number };
  maglevImbalance?: number;
}

function endpointsFor(size: number, offset = 0): Endpoint[] {
  return Array.from({ length: size }, (_, i) => toEndpoint({ url: `http://10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:8080`, id: `ep-${i + offset}` }, 'bench'));
}

function callsFor(): Call[] {
  return Array.from({ length: KEYS }, (_, i) => createCall({ service: 'bench', key: `user-${i * 7919}` }));
}

/** Builds and awaits, reporting total time and the longest wall and CPU slices between event-loop turns. */
async function timedBuild(build: () => Picker | Promise<Picker>) {
  let longestWall = 0;
  let longestBlock = 0;
  let chunks = 0;
  let lastWall = performance.now();
  let lastCpu = process.cpuUsage();
  let done = false;
  const tick = (): void => {
    const wall = performance.now();
    const cpu = process.cpuUsage();
    const wallMs = wall - lastWall;
    longestWall = Math.max(longestWall, wallMs);
    longestBlock = Math.max(longestBlock, Math.min(wallMs, (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1_000));
    lastWall = wall;
    lastCpu = cpu;
    chunks++;
    if (!done) setImmediate(tick);
  };
  const start = performance.now();
  lastWall = start;
  lastCpu = process.cpuUsage();
  const built = build();
  tick();
  const picker = await built;
  const totalMs = performance.now() - start;
  done = true;
  tick();
  return { picker, totalMs, longestWallMs: longestWall, longestBlockMs: longestBlock, chunks: chunks - 1 };
}

async function child(name: BalancerName, size: number, measuredRounds: number): Promise<Result> {
  const rng = seededRng(size);
  const fleet = new Fleet({ service: 'bench', clock: systemClock, events: new EventBus(), ewmaTauMs: DEFAULTS.ewmaTauMs });
  fleet.update(endpointsFor(size));
  const now = systemClock.now();
  const load = fleet.claimLoadWriter();
  for (const state of fleet.snapshot.members) {
    load.start(state);
    load.finish(state, 5 + rng.next() * 45, now, true);
    const inFlight = Math.floor(rng.next() * 8);
    for (let i = 0; i < inFlight; i++) load.start(state);
  }
  const balancer = resolveBalancer(name);
  // The client's defaults: the system clock and Math.random.
  const context = { clock: systemClock, rng: systemRng };
  const first = await timedBuild(() => balancer.build(fleet.snapshot, context));
  const picker = first.picker;
  const calls = callsFor();

  const timeRound = (picks: number): number => {
    let found = 0;
    const at = systemClock.now();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < picks; i++) if (picker.pick(calls[i & (KEYS - 1)]!, at) !== undefined) found++;
    const ns = Number(process.hrtime.bigint() - t0);
    if (found !== picks) throw new Error(`${name}: ${picks - found} picks found no endpoint`);
    return ns / picks;
  };
  timeRound(20_000);
  const perRound = Math.max(2_000, Math.min(5_000_000, Math.round(ROUND_NS / timeRound(20_000))));
  timeRound(perRound);
  const rounds = Array.from({ length: measuredRounds }, () => timeRound(perRound)).sort((a, b) => a - b);
  const result: Result = { balancer: name, size, nsPerPick: rounds[measuredRounds >> 1]!, fastestNsPerPick: rounds[0]!, firstBuildMs: first.totalMs };

  if (picker instanceof MaglevPicker) {
    const slots = [...picker.slotsById().values()];
    const mean = slots.reduce((a, b) => a + b, 0) / slots.length;
    result.maglevImbalance = Math.max(...slots) / mean - 1;
  }
  if (REBUILD_SIZES.has(size)) {
    const members = endpointsFor(size);
    members[size >> 1] = endpointsFor(1, size)[0]!;
    fleet.update(members);
    const { totalMs, longestWallMs, longestBlockMs, chunks } = await timedBuild(() => balancer.build(fleet.snapshot, context));
    result.rebuild = { totalMs, longestWallMs, longestBlockMs, chunks };
  }
  return result;
}

function runChild(name: BalancerName, size: number, rounds: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    const proc = fork(fileURLToPath(import.meta.url), ['--child', name, String(size), String(rounds)], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    proc.once('message', (message) => resolve(message as Result));
    proc.once('exit', (code) => code !== 0 && reject(new Error(`${name} at ${size}: child exited with ${code}`)));
  });
}

function clockReadNs(): number {
  const n = 2_000_000;
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink += systemClock.now();
  return Number(process.hrtime.bigint() - t0) / n + (sink < 0 ? 1 : 0);
}

const fmtNs = (ns: number): string => (ns >= 1_000 ? `${(ns / 1_000).toFixed(2)} µs` : `${ns.toFixed(1)} ns`);
const pad = (text: string, width: number): string => text.padStart(width);

function report(results: Result[], sizes: number[], names: BalancerName[], rounds: number): void {
  const at = (name: BalancerName, size: number) => results.find((r) => r.balancer === name && r.size === size);
  console.log(`\nns per pick, median of ${rounds} rounds (fastest round); one clock read (performance.now) costs ${fmtNs(clockReadNs())}, done once per attempt by the balance layer\n`);
  console.log(`${'balancer'.padEnd(22)}${sizes.map((s) => pad(s.toLocaleString('en'), 22)).join('')}`);
  const cell = (r: Result | undefined): string => (r ? `${fmtNs(r.nsPerPick)} (${fmtNs(r.fastestNsPerPick)})` : '-');
  for (const name of names) console.log(`${name.padEnd(22)}${sizes.map((s) => pad(cell(at(name, s)), 22)).join('')}`);

  const rebuildSizes = sizes.filter((s) => REBUILD_SIZES.has(s));
  if (rebuildSizes.length > 0) {
    console.log('\npicker rebuild on a membership change: total ms / longest event-loop block ms (longest wall stretch ms) / chunks\n');
    console.log(`${'balancer'.padEnd(22)}${rebuildSizes.map((s) => pad(s.toLocaleString('en'), 34)).join('')}`);
    for (const name of names) {
      const cells = rebuildSizes.map((s) => {
        const r = at(name, s)?.rebuild;
        return pad(r ? `${r.totalMs.toFixed(1)} / ${r.longestBlockMs.toFixed(1)} (${r.longestWallMs.toFixed(1)}) / ${r.chunks}` : '-', 34);
      });
      console.log(`${name.padEnd(22)}${cells.join('')}`);
    }
  }
  const maglevRows = sizes.map((s) => at('maglev', s)).filter((r) => r?.maglevImbalance !== undefined);
  if (maglevRows.length > 0) console.log(`\nmaglev slot imbalance (max / mean - 1): ${maglevRows.map((r) => `${r!.size}: ${(r!.maglevImbalance! * 100).toFixed(2)} %`).join(', ')}`);

  console.log('\ngoals');
  const goal = (label: string, value: number | undefined, limit: number, unit: (v: number) => string): void => {
    if (value === undefined) return;
    console.log(`  ${value <= limit ? 'met   ' : 'MISSED'} ${label}: ${unit(value)} (goal <= ${unit(limit)}, ${((value / limit) * 100).toFixed(0)} % of it)`);
  };
  const ratio = (v: number): string => `${v.toFixed(2)}×`;
  const ms = (v: number): string => `${v.toFixed(1)} ms`;
  for (const name of ['p2c', 'peak-ewma', 'maglev'] as const) {
    const big = at(name, 100_000)?.nsPerPick;
    const small = at(name, 10)?.nsPerPick;
    goal(`${name} at 100 000`, big, 100, fmtNs);
    if (big !== undefined && small !== undefined) goal(`${name} at 100 000 vs at 10`, big / small, 1.5, ratio);
  }
  goal('ring-hash at 100 000', at('ring-hash', 100_000)?.nsPerPick, 1_000, fmtNs);
  for (const name of names) {
    const r = at(name, 10_000)?.rebuild;
    if (!r) continue;
    goal(`${name} rebuild at 10 000`, r.totalMs, 100, ms);
    goal(`${name} longest event-loop block during rebuild at 10 000`, r.longestBlockMs, 10, ms);
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const result = await child(args[1] as BalancerName, Number(args[2]), Number(args[3]));
    process.send!(result, () => process.disconnect());
    return;
  }
  const option = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const sizes = option('--sizes')?.split(',').map(Number) ?? SIZES;
  const names = (option('--balancers')?.split(',') as BalancerName[] | undefined) ?? [...BALANCER_NAMES];
  for (const name of names) resolveBalancer(name);
  const rounds = Number(option('--rounds') ?? DEFAULT_ROUNDS);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds % 2 === 0) throw new Error(`--rounds: ${option('--rounds')} (expected an odd integer >= 1)`);
  const results: Result[] = [];
  for (const name of names) {
    for (const size of sizes) {
      process.stderr.write(`\r${name} at ${size.toLocaleString('en')}...`.padEnd(50));
      results.push(await runChild(name, size, rounds));
    }
  }
  process.stderr.write('\r'.padEnd(50) + '\r');
  if (args.includes('--json')) console.log(JSON.stringify(results, null, 2));
  else report(results, sizes, names, rounds);
}

await main();

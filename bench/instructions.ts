/**
 * `npm run bench:instructions`: the client's instructions per request, counted by valgrind's
 * callgrind, for the variants of bench/overhead.ts. An instruction count does not move with the
 * other processes on the machine the way CPU time does, so it tells a change of a few hundred
 * nanoseconds apart on a shared machine where CPU µs per request spread by ±20 %.
 *
 * It runs bench/overhead.ts under callgrind (its servers' child process is not traced) with a fixed
 * number of requests per variant per round (`--callgrind`: the script dumps the counters after each
 * run), and reads the dumps: per variant, the instructions of each round's requests (all threads
 * of the client process: JIT code, the runtime, the garbage collector, libuv, the libc side of the
 * syscalls; the kernel's work is not counted), divided by the requests. Medians over the rounds,
 * the spread beside them, and what each default layer costs.
 *
 * Needs valgrind (Debian package `valgrind`). About 50× slower than a native run: the defaults
 * (4 variants × (8 000 + 5 rounds × 4 000) requests) take 6–8 minutes.
 *
 * Options: --only <keys, default pool,request,no-tracing,bare> --requests <per run, default 4000>
 * --rounds <default 5> --warmup <requests per variant first, default 8000> --concurrency <default 32> --json
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: 'pool,request,no-tracing,bare' },
    requests: { type: 'string', default: '4000' },
    rounds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '8000' },
    concurrency: { type: 'string', default: '32' },
    json: { type: 'boolean', default: false },
  },
});
const requests = Number(values.requests);

const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-callgrind-'));
const script = fileURLToPath(new URL('./overhead.ts', import.meta.url));
const args = [
  '--tool=callgrind',
  `--callgrind-out-file=${path.join(dir, 'callgrind.out')}`,
  process.execPath,
  '--expose-gc',
  '--import',
  'tsx',
  script,
  ...['--only', values.only, '--requests', values.requests, '--warmup', values.warmup, '--rounds', values.rounds, '--concurrency', values.concurrency],
  '--skip-micro',
  '--callgrind',
  '--json',
];
process.stderr.write(`valgrind ${args.join(' ')}\n`);
const child = spawnSync('valgrind', args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
if (child.error) throw new Error(`could not run valgrind (install the Debian package valgrind): ${child.error.message}`);
if (child.status !== 0) throw new Error(`valgrind exited with ${child.status}`);

/** Instructions per dump, by label (`<variant>@<round>`). */
const counts = new Map<string, number>();
for (const file of readdirSync(dir)) {
  const text = readFileSync(path.join(dir, file), 'utf8');
  const label = /^desc: Trigger: Client Request: (.*)$|^desc: Trigger: dump (.*)$/m.exec(text);
  const summary = /^summary: (\d+)$/m.exec(text);
  const name = label?.[1] ?? label?.[2];
  if (name && name !== 'skip' && summary) counts.set(name, Number(summary[1]));
}
rmSync(dir, { recursive: true, force: true });

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const keys = values.only.split(',');
const perRequest = new Map<string, number[]>();
for (const key of keys) {
  const rounds = Array.from({ length: Number(values.rounds) }, (_, r) => counts.get(`${key}@${r}`)).filter((n) => n !== undefined).map((n) => n / requests);
  if (rounds.length === 0) throw new Error(`no callgrind dump for variant '${key}': is valgrind's gdbserver (vgdb) available?`);
  perRequest.set(key, rounds);
}
const spreadOf = (xs: number[]) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
const summary = keys.map((key) => ({ key, instructions: spreadOf(perRequest.get(key)!), rounds: perRequest.get(key)!.map(Math.round) }));
/** Median of the per-round differences of `a` and `b` (same round index: the runs were interleaved). */
const diff = (a: string, b: string) => {
  const xs = perRequest.get(a)!;
  const ys = perRequest.get(b)!;
  return spreadOf(xs.slice(0, ys.length).map((x, i) => x - ys[i]!));
};
const layers = [
  ['tracing', 'no-tracing'],
  ['breaker', 'no-breaker'],
  ['retry', 'no-retry'],
  ['all three', 'bare'],
  ['switchyard over Pool.request, default layers', 'pool'],
].filter(([, key]) => perRequest.has('request') && perRequest.has(key!));
const layerCost = layers.map(([layer, key]) => ({ layer: layer!, instructions: diff('request', key!) }));

if (values.json) {
  console.log(JSON.stringify({ requests, rounds: Number(values.rounds), concurrency: Number(values.concurrency), summary, layerCost }, null, 2));
} else {
  const k = (x: number): string => Math.round(x).toLocaleString('en-US');
  console.log(`\nclient instructions per request (callgrind), ${values.rounds} rounds × ${requests} requests per variant, concurrency ${values.concurrency}, Node ${process.version}\n`);
  console.log('| variant | instructions per request | spread |');
  console.log('| --- | ---: | ---: |');
  for (const s of summary) console.log(`| ${s.key} | ${k(s.instructions.median)} | ${k(s.instructions.min)}–${k(s.instructions.max)} |`);
  if (layerCost.length) {
    console.log('\n| default layers minus | instructions per request | spread |');
    console.log('| --- | ---: | ---: |');
    for (const l of layerCost) console.log(`| ${l.layer} | ${k(l.instructions.median)} | ${k(l.instructions.min)}–${k(l.instructions.max)} |`);
  }
}

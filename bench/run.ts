/**
 * `npm run bench`: compares load-balancing strategies on a fleet of real HTTP backends on loopback
 * (or, with `--simulate`, in the discrete-event simulator), prints a table per scenario and writes
 * bench-results/<run>/results.json and report.html. `--help` lists the options; README.md ("The bench suite")
 * explains the output and the scenario format.
 */
import { join, resolve } from 'node:path';
import { BALANCER_NAMES } from '../src/balance/registry.js';
import { systemClock } from '../src/core/clock.js';
import { ConfigError } from '../src/core/errors.js';
import { parseCli, USAGE } from './cli.js';
import { compareLimits } from './flow-control.js';
import { loadScenarios, runBench } from './runner.js';
import { ORACLE } from './sim/simulator.js';

async function main(argv: readonly string[]): Promise<number> {
  const cli = parseCli(argv);
  if (cli.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const mode = cli.simulate ? 'simulator' : 'loopback';
  const scenarios = await loadScenarios(cli.fleets, cli.scenarios, mode, { durationMs: cli.durationMs, warmupMs: cli.warmupMs, seed: cli.seed });
  if (cli.list) {
    for (const s of scenarios) process.stdout.write(`${s.name.padEnd(16)} ${s.backends.length} backends  ${s.description}\n`);
    process.stdout.write(`\nstrategies: ${BALANCER_NAMES.join(', ')}${cli.simulate ? `, ${ORACLE}` : ''}\n`);
    return 0;
  }
  if (cli.limits) {
    if (cli.simulate) throw new ConfigError('--limits', cli.limits, 'a loopback run (the limits need real queueing): drop --simulate');
    for (const scenario of scenarios) {
      const balancer = cli.strategies?.[0] ?? scenario.strategies?.[0] ?? 'p2c';
      const { table } = await compareLimits(scenario, cli.limits, balancer, cli.processes);
      process.stdout.write(`${table}\n\n`);
    }
    return 0;
  }
  const run = `${new Date(systemClock.wallNow()).toISOString().replace(/[:.]/g, '-')}${cli.simulate ? '-simulate' : ''}`;
  const outDir = resolve(cli.out ?? join('bench-results', run));
  const started = systemClock.now();
  await runBench({
    mode,
    scenarios,
    strategies: cli.strategies,
    processes: cli.processes,
    outDir,
    run,
    command: ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' '),
    clock: systemClock,
    print: (text) => process.stdout.write(`${text}\n`),
    progress: process.stderr,
  });
  process.stdout.write(`Wrote ${join(outDir, 'results.json')} and ${join(outDir, 'report.html')} in ${((systemClock.now() - started) / 1_000).toFixed(1)} s.\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`\nbench: ${error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = error instanceof ConfigError ? 2 : 1;
  },
);

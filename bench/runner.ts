import { mkdir, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BALANCER_NAMES, resolveBalancer } from '../src/balance/registry.js';
import type { Clock } from '../src/core/clock.js';
import { ConfigError } from '../src/core/errors.js';
import type { RunResult } from './load/recorder.js';
import { startBackends, type BackendFleet } from './loopback/backend-fleet.js';
import { runOpenLoop } from './loopback/open-loop.js';
import { formatDuration } from './report/format.js';
import { renderReport } from './report/html.js';
import { Progress, type ProgressStream } from './report/progress.js';
import { scenarioResult, type BenchResults, type Mode, type ScenarioResult } from './report/results.js';
import { renderTable } from './report/table.js';
import { loadScenarioFile, withOverrides, type Scenario, type ScenarioOverrides } from './scenario/scenario.js';
import { ORACLE, simulate } from './sim/simulator.js';

/** The directory of the shipped scenarios. */
export const SCENARIO_DIR = fileURLToPath(new URL('./scenarios/', import.meta.url));

/** Options of {@link runBench}. */
export interface BenchOptions {
  readonly mode: Mode;
  /** The scenarios to run (already loaded, overrides applied). */
  readonly scenarios: readonly Scenario[];
  /** Strategies for every scenario, overriding their own lists. */
  readonly strategies?: readonly string[] | undefined;
  /** Backend processes per loopback scenario. */
  readonly processes?: number | undefined;
  /** Where results.json and report.html go; nothing is written when undefined. */
  readonly outDir?: string | undefined;
  /** The run's id, recorded in the results. */
  readonly run: string;
  /** The command line, recorded in the results. */
  readonly command: string;
  /** Wall clock for timestamps, the progress bar and simulator timings. */
  readonly clock: Clock;
  /** Receives the tables (stdout). */
  readonly print: (text: string) => void;
  /** Receives the progress bar (stderr). */
  readonly progress: ProgressStream;
}

/**
 * Loads the scenarios to run: the user's files when given, else the shipped ones (all, or those
 * named), keeping those that run in `mode`, with the command line's overrides applied.
 * @throws ConfigError for an unknown scenario name or a malformed file (naming the field)
 */
export async function loadScenarios(fleets: readonly string[], names: readonly string[], mode: Mode, overrides: ScenarioOverrides): Promise<Scenario[]> {
  let scenarios: Scenario[];
  if (fleets.length > 0) {
    scenarios = await Promise.all(fleets.map((f) => loadScenarioFile(f)));
    scenarios.forEach((s, i) => {
      if (!s.targets.includes(mode)) throw new ConfigError(`${fleets[i]}: targets`, s.targets, `a list including ${mode} to run it here`);
    });
  } else {
    const files = (await readdir(SCENARIO_DIR)).filter((f) => f.endsWith('.json')).sort();
    const shipped = await Promise.all(files.map((f) => loadScenarioFile(join(SCENARIO_DIR, f))));
    for (const name of names) {
      if (!shipped.some((s) => s.name === name)) throw new ConfigError('--scenario', name, `one of ${shipped.map((s) => s.name).join(', ')}`);
    }
    scenarios = names.length > 0 ? shipped.filter((s) => names.includes(s.name)) : shipped.filter((s) => s.targets.includes(mode));
  }
  return scenarios.map((s) => withOverrides(s, overrides));
}

/**
 * The strategies a scenario runs: the command line's, else the scenario's, else every registered
 * balancer (so new balancers appear automatically); the simulator adds the oracle.
 * @throws ConfigError naming an unknown strategy
 */
export function strategiesFor(scenario: Scenario, mode: Mode, override?: readonly string[]): string[] {
  const names = [...(override ?? scenario.strategies ?? BALANCER_NAMES)];
  names.forEach((name, i) => {
    if (name === ORACLE) {
      if (mode !== 'simulator') throw new ConfigError(`strategies[${i}]`, name, 'a balancer name: the oracle runs only in the simulator (--simulate)');
      return;
    }
    resolveBalancer(name, `strategies[${i}]`);
  });
  if (mode === 'simulator' && !names.includes(ORACLE)) names.push(ORACLE);
  return names;
}

/** Unrecorded load sent to a freshly started fleet, so no strategy pays for cold processes (ms). */
const PRIME_MS = 1_000;

/**
 * Warms a fresh fleet (JIT, connections) with {@link PRIME_MS} of unrecorded load at the
 * scenario's starting rate; otherwise the first strategy run would pay for cold processes.
 * The load is all warm-up (time before zero), so every backend serves with its base behaviour.
 */
export async function prime(scenario: Scenario, strategy: string, fleet: BackendFleet): Promise<void> {
  await runOpenLoop({ ...scenario, warmupMs: PRIME_MS, durationMs: 1, backends: scenario.backends.map((b) => ({ ...b, joinAt: 0, leaveAt: 1 })) }, strategy, fleet);
}

/**
 * Runs every scenario × strategy, prints a table per scenario as it finishes, and writes
 * `results.json` and `report.html` to `outDir`.
 */
export async function runBench(options: BenchOptions): Promise<BenchResults> {
  const { mode, clock } = options;
  const plan = options.scenarios.map((s) => ({ scenario: s, strategies: strategiesFor(s, mode, options.strategies) }));
  if (plan.length === 0) throw new ConfigError('--scenario', [], `at least one scenario that runs in the ${mode}`);
  const progress = new Progress(options.progress, plan.reduce((n, p) => n + p.strategies.length, 0), clock);
  const startedAt = new Date(clock.wallNow()).toISOString();
  const scenarios: ScenarioResult[] = [];
  for (const { scenario, strategies } of plan) {
    const results: RunResult[] = [];
    let simulated = 0;
    let footer = '';
    const onProgress = (f: number): void => progress.update(f);
    if (mode === 'loopback') {
      progress.start(`${scenario.name}: starting ${scenario.backends.length} backends`);
      const fleet = await startBackends(scenario.backends, scenario.durationMs, { processes: options.processes });
      try {
        await prime(scenario, strategies[0]!, fleet);
        for (const strategy of strategies) {
          progress.start(`${scenario.name} · ${strategy}`);
          results.push(await runOpenLoop(scenario, strategy, fleet, { onProgress }));
          progress.finish();
        }
      } finally {
        await fleet.stop();
      }
    } else {
      const walls: number[] = [];
      for (const strategy of strategies) {
        progress.start(`${scenario.name} · ${strategy}`);
        const sim = await simulate(scenario, strategy, { onProgress, wallClock: clock });
        results.push(sim);
        walls.push(sim.wallMs);
        simulated = sim.requests;
        progress.finish();
      }
      footer = `  simulated ${simulated.toLocaleString('en-US')} requests per strategy in ${formatDuration(Math.min(...walls))}-${formatDuration(Math.max(...walls))} of wall time each`;
    }
    const result = scenarioResult(scenario, mode, results);
    scenarios.push(result);
    progress.clear();
    options.print(`${renderTable(result)}\n${footer ? `${footer}\n` : ''}`);
  }
  progress.clear();
  const bench: BenchResults = {
    version: 1,
    run: options.run,
    mode,
    startedAt,
    command: options.command,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, platform: `${os.platform()} ${os.arch()}` },
    scenarios,
  };
  if (options.outDir) {
    await mkdir(options.outDir, { recursive: true });
    await writeFile(join(options.outDir, 'results.json'), `${JSON.stringify(bench, null, 2)}\n`);
    await writeFile(join(options.outDir, 'report.html'), renderReport(bench));
  }
  return bench;
}

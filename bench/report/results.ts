import type { RunResult } from '../load/recorder.js';
import type { Scenario } from '../scenario/scenario.js';

/** Where a set of results was measured. */
export type Mode = 'loopback' | 'simulator';

/** One scenario's results: every strategy, and the best one named. */
export interface ScenarioResult {
  readonly name: string;
  readonly description: string;
  readonly mode: Mode;
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly seed: number;
  /** Offered arrivals per second at the start and end of the measured window. */
  readonly rate: { readonly from: number; readonly to: number };
  readonly timeoutMs: number;
  /** Backend names, in scenario order (the order of the share columns). */
  readonly backends: readonly string[];
  readonly results: readonly RunResult[];
  /** The strategy {@link bestStrategy} chose. */
  readonly best: string;
}

/** A whole bench run, as written to `results.json`. */
export interface BenchResults {
  /** Format version of this file. */
  readonly version: 1;
  /** The run's id (also its directory under bench-results/). */
  readonly run: string;
  readonly mode: Mode;
  /** ISO time the run started. */
  readonly startedAt: string;
  /** The command line that produced it. */
  readonly command: string;
  readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly node: string; readonly platform: string };
  readonly scenarios: readonly ScenarioResult[];
}

/** Success rates this close (percentage points) to the highest count as equal when choosing the best strategy. */
const SUCCESS_TOLERANCE_PCT = 0.1;

/**
 * The best strategy of a scenario: among those whose success rate is within 0.1 percentage points
 * of the highest, the one with the lowest p99 latency (then the lowest p99.9, then the lowest mean).
 * A fast strategy that fails requests does not win.
 */
export function bestStrategy(results: readonly RunResult[]): string {
  const top = Math.max(...results.map((r) => r.successPct));
  const eligible = results.filter((r) => r.successPct >= top - SUCCESS_TOLERANCE_PCT);
  eligible.sort((a, b) => a.latency.p99 - b.latency.p99 || a.latency.p999 - b.latency.p999 || a.latency.mean - b.latency.mean);
  return eligible[0]?.strategy ?? '';
}

/** The strategies from best to worst: the {@link bestStrategy} of those left, again and again. */
export function rankStrategies(results: readonly RunResult[]): string[] {
  const left = [...results];
  const ranking: string[] = [];
  while (left.length > 0) {
    const best = bestStrategy(left);
    ranking.push(best);
    left.splice(left.findIndex((r) => r.strategy === best), 1);
  }
  return ranking;
}

/** Bundles a scenario's run results with its description. */
export function scenarioResult(scenario: Scenario, mode: Mode, results: readonly RunResult[]): ScenarioResult {
  return {
    name: scenario.name,
    description: scenario.description,
    mode,
    durationMs: scenario.durationMs,
    warmupMs: scenario.warmupMs,
    seed: scenario.seed,
    rate: scenario.load.rate,
    timeoutMs: scenario.load.timeoutMs,
    backends: scenario.backends.map((b) => b.name),
    results,
    best: bestStrategy(results),
  };
}

/** Each backend's share of the requests the backends received (fractions summing to 1). */
export function shares(result: RunResult, backends: readonly string[]): number[] {
  const counts = backends.map((b) => result.backendRequests[b] ?? 0);
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total === 0 ? 0 : c / total));
}

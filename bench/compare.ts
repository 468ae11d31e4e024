/**
 * `npx tsx bench/compare.ts <loopback results.json> <simulator results.json>`: whether the
 * simulator ranks the strategies as the loopback fleet does on the same scenarios. For each
 * scenario in both files it prints both rankings (success first, then p99, as the tables choose the
 * best), Kendall's tau between them (1: same order, -1: reversed) and each run's best strategy.
 */
import { readFile } from 'node:fs/promises';
import { rankStrategies, type BenchResults, type ScenarioResult } from './report/results.js';

/** One scenario's agreement between two runs. */
export interface RankAgreement {
  readonly scenario: string;
  /** Strategies in both runs, best first, as each run ranks them ({@link rankStrategies}). */
  readonly first: readonly string[];
  readonly second: readonly string[];
  /** Kendall's tau-a between the two rankings, in [-1, 1]. */
  readonly tau: number;
  /** Each run's best of the strategies both ran (the oracle is the simulator's alone). */
  readonly best: readonly [string, string];
}

/**
 * Kendall's tau-a between two orderings of the same items: (concordant − discordant pairs) / all
 * pairs (Kendall 1938). 1 for the same order, -1 for the reverse.
 */
export function kendallTau(a: readonly string[], b: readonly string[]): number {
  const rank = new Map(b.map((item, i) => [item, i]));
  let score = 0;
  let pairs = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      score += Math.sign(rank.get(a[j]!)! - rank.get(a[i]!)!);
      pairs++;
    }
  }
  return pairs === 0 ? 1 : score / pairs;
}

/** Compares the rankings of every scenario present in both runs, over the strategies both ran. */
export function compareRuns(first: BenchResults, second: BenchResults): RankAgreement[] {
  const out: RankAgreement[] = [];
  for (const a of first.scenarios) {
    const b = second.scenarios.find((s) => s.name === a.name);
    if (!b) continue;
    const common = a.results.map((r) => r.strategy).filter((name) => b.results.some((r) => r.strategy === name));
    const ranking = (s: ScenarioResult): string[] => rankStrategies(s.results.filter((r) => common.includes(r.strategy)));
    const ra = ranking(a);
    const rb = ranking(b);
    out.push({ scenario: a.name, first: ra, second: rb, tau: kendallTau(ra, rb), best: [ra[0] ?? '', rb[0] ?? ''] });
  }
  return out;
}

async function main(files: readonly string[]): Promise<void> {
  if (files.length !== 2) throw new Error('usage: npx tsx bench/compare.ts <loopback results.json> <simulator results.json>');
  const [first, second] = await Promise.all(files.map(async (f) => JSON.parse(await readFile(f, 'utf8')) as BenchResults));
  for (const r of compareRuns(first!, second!)) {
    process.stdout.write(
      `${r.scenario}: Kendall tau ${r.tau.toFixed(2)}; best ${r.best[0]} (${first!.mode}) vs ${r.best[1]} (${second!.mode})\n` +
        `  ${first!.mode.padEnd(9)}: ${r.first.join(' > ')}\n  ${second!.mode.padEnd(9)}: ${r.second.join(' > ')}\n`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}

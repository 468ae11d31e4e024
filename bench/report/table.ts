import { formatMs, formatOfferedRate, formatPct, summaryCells } from './format.js';
import { shares, type ScenarioResult } from './results.js';

/** Backends beyond this many are summarised (min / median / max share) instead of listed. */
const MAX_SHARE_COLUMNS = 12;

/**
 * The table a person reads after a scenario: one row per strategy with p50, p90, p99, p99.9, max,
 * success rate, achieved rate and the share of requests each backend received, then the best
 * strategy named.
 */
export function renderTable(scenario: ScenarioResult): string {
  const listShares = scenario.backends.length <= MAX_SHARE_COLUMNS;
  const head = ['strategy', 'p50', 'p90', 'p99', 'p99.9', 'max', 'success', 'achieved', listShares ? 'share per backend (%)' : 'share min/med/max (%)'];
  const rows = scenario.results.map((r) => {
    const s = shares(r, scenario.backends).map((x) => x * 100);
    let shareText: string;
    if (listShares) {
      shareText = s.map((x) => x.toFixed(0).padStart(3)).join('');
    } else {
      const sorted = [...s].sort((a, b) => a - b);
      shareText = `${sorted[0]!.toFixed(2)} / ${sorted[sorted.length >> 1]!.toFixed(2)} / ${sorted[sorted.length - 1]!.toFixed(2)}`;
    }
    const mark = r.strategy === scenario.best ? '*' : ' ';
    return [
      `${mark}${r.strategy}`,
      ...summaryCells(r),
      shareText,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const rate = formatOfferedRate(scenario.rate);
  const best = scenario.results.find((r) => r.strategy === scenario.best);
  const out = [
    `${scenario.name} (${scenario.mode}): ${scenario.description}`,
    `  ${scenario.backends.length} backends, ${rate} offered for ${(scenario.durationMs / 1_000).toFixed(1)} s per strategy, caller timeout ${formatMs(scenario.timeoutMs)}`,
  ];
  if (listShares) out.push(`  share columns: ${scenario.backends.join(' ')}`);
  out.push('', line(head), ...rows.map(line), '');
  if (best) out.push(`  best: ${best.strategy} (p99 ${formatMs(best.latency.p99)}, ${formatPct(best.successPct)} success)`);
  return out.map((l) => (l === '' ? l : l.startsWith('  ') ? l : `  ${l}`)).join('\n');
}

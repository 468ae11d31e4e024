import type { RunResult } from '../load/recorder.js';
import { formatMs, formatOfferedRate, summaryCells } from './format.js';
import { shares, type BenchResults, type ScenarioResult } from './results.js';

/** Tableau 10, one colour per strategy. */
const STRATEGY_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
/** The CDF's y axis is in "nines": -log10(1 - p); the max is drawn a little above 99.999 %. */
const MAX_NINES = 5;
const MAX_ROW_NINES = 5.4;

/**
 * Renders `report.html`: for each scenario a latency CDF chart (latency on a log scale against the
 * percentile on a nines scale, so the tail is readable), a chart of each backend's share of the
 * requests under each strategy, and the table. One self-contained file: inline SVG and CSS, no
 * script, no network, readable offline.
 */
export function renderReport(bench: BenchResults): string {
  const sections = bench.scenarios.map((s, i) => scenarioSection(s, i)).join('\n');
  const m = bench.machine;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>switchyard bench: ${esc(bench.run)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2.5rem; border-top: 1px solid #ddd; padding-top: 1rem; }
.meta, .desc { color: #555; } .charts { display: flex; flex-wrap: wrap; gap: 1rem; }
figure { margin: 0; } figcaption { font-size: 12px; color: #555; }
table { border-collapse: collapse; margin-top: .75rem; font-variant-numeric: tabular-nums; }
th, td { padding: .2rem .6rem; text-align: right; border-bottom: 1px solid #eee; } th:first-child, td:first-child { text-align: left; }
tr.best td { font-weight: 600; background: #f3f8ee; }
svg text { font: 11px system-ui, sans-serif; fill: #333; } .grid { stroke: #e5e5e5; } .axis { stroke: #888; }
</style>
</head>
<body>
<h1>switchyard bench: ${esc(bench.mode)} run ${esc(bench.run)}</h1>
<p class="meta">Started ${esc(bench.startedAt)} with <code>${esc(bench.command)}</code> on ${m.cpus} × ${esc(m.cpuModel)}, Node ${esc(m.node)} (${esc(m.platform)}).
Latency is measured from each request's intended send time (open-loop load, no coordinated omission); success means a reply below 500 within the caller's timeout.</p>
${sections}
</body>
</html>
`;
}

function scenarioSection(s: ScenarioResult, index: number): string {
  const rate = formatOfferedRate(s.rate);
  return `<section id="scenario-${index}">
<h2>${esc(s.name)} <small>(${esc(s.mode)})</small></h2>
<p class="desc">${esc(s.description)} ${s.backends.length} backends, ${esc(rate)} offered for ${(s.durationMs / 1_000).toFixed(1)} s per strategy, caller timeout ${esc(formatMs(s.timeoutMs))}, seed ${s.seed}. Best: <strong>${esc(s.best)}</strong>.</p>
<div class="charts">
<figure>${cdfChart(s)}<figcaption>Latency CDF: the further left and the lower the tail, the better.</figcaption></figure>
<figure>${shareChart(s)}<figcaption>Share of requests each backend received.</figcaption></figure>
</div>
${table(s)}
</section>`;
}

function cdfChart(s: ScenarioResult): string {
  const W = 600;
  const H = 340;
  const left = 56;
  const right = 160;
  const top = 12;
  const bottom = 36;
  const all = s.results.flatMap((r) => r.cdf.map((p) => p[0]));
  const positive = all.filter((v) => v > 0);
  const lo = Math.floor(Math.log10(positive.length ? Math.min(...positive) : 0.1));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...all, 10 ** (lo + 1)))));
  const x = (ms: number): number => left + ((Math.log10(Math.max(ms, 10 ** lo)) - lo) / (hi - lo)) * (W - left - right);
  const y = (pct: number): number => {
    const nines = pct >= 100 ? MAX_ROW_NINES : Math.min(-Math.log10(1 - pct / 100), MAX_NINES);
    return H - bottom - (nines / MAX_ROW_NINES) * (H - top - bottom);
  };
  const grid: string[] = [];
  for (let e = lo; e <= hi; e++) {
    const gx = x(10 ** e).toFixed(1);
    grid.push(`<line class="grid" x1="${gx}" y1="${top}" x2="${gx}" y2="${H - bottom}"/><text x="${gx}" y="${H - bottom + 14}" text-anchor="middle">${esc(formatMs(10 ** e))}</text>`);
  }
  const yTicks: [number, string][] = [[0, '0%'], [90, '90%'], [99, '99%'], [99.9, '99.9%'], [99.99, '99.99%'], [99.999, '99.999%'], [100, 'max']];
  for (const [p, label] of yTicks) {
    const gy = y(p).toFixed(1);
    grid.push(`<line class="grid" x1="${left}" y1="${gy}" x2="${W - right}" y2="${gy}"/><text x="${left - 4}" y="${gy}" dy="4" text-anchor="end">${label}</text>`);
  }
  const lines = s.results.map((r, i) => {
    const colour = STRATEGY_COLOURS[i % STRATEGY_COLOURS.length]!;
    const points = r.cdf.map(([ms, p]) => `${x(ms).toFixed(1)},${y(p).toFixed(1)}`).join(' ');
    const width = r.strategy === s.best ? 3 : 1.5;
    const ly = top + 6 + i * 16;
    return `<polyline class="cdf" data-strategy="${esc(r.strategy)}" fill="none" stroke="${colour}" stroke-width="${width}" points="${points}"><title>${esc(r.strategy)}: p99 ${esc(formatMs(r.latency.p99))}</title></polyline>
<rect x="${W - right + 10}" y="${ly - 8}" width="12" height="4" fill="${colour}"/><text x="${W - right + 26}" y="${ly - 3}">${esc(r.strategy)}${r.strategy === s.best ? ' ★' : ''}</text>`;
  });
  return `<svg class="cdf-chart" role="img" aria-label="Latency CDF for ${esc(s.name)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">
${grid.join('\n')}
<line class="axis" x1="${left}" y1="${H - bottom}" x2="${W - right}" y2="${H - bottom}"/><line class="axis" x1="${left}" y1="${top}" x2="${left}" y2="${H - bottom}"/>
<text x="${(left + W - right) / 2}" y="${H - 6}" text-anchor="middle">latency (log scale)</text>
${lines.join('\n')}
</svg>`;
}

function shareChart(s: ScenarioResult): string {
  const W = 460;
  const barH = 16;
  const gap = 8;
  const left = 150;
  const right = 10;
  const top = 8;
  const legendRows = s.backends.length <= 24 ? Math.ceil(s.backends.length / 4) : 0;
  const H = top + s.results.length * (barH + gap) + 18 + legendRows * 16;
  const colour = (i: number): string => `hsl(${Math.round((i * 360) / s.backends.length)}, 55%, ${i % 2 === 0 ? 55 : 42}%)`;
  const bars = s.results.map((r, row) => {
    const y = top + row * (barH + gap);
    let acc = 0;
    const segments = shares(r, s.backends).map((share, i) => {
      const x0 = left + acc * (W - left - right);
      acc += share;
      const w = share * (W - left - right);
      return w <= 0 ? '' : `<rect x="${x0.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${barH}" fill="${colour(i)}"><title>${esc(s.backends[i]!)}: ${(share * 100).toFixed(2)}% under ${esc(r.strategy)}</title></rect>`;
    });
    return `<g class="share-bar" data-strategy="${esc(r.strategy)}"><text x="${left - 6}" y="${y + barH - 4}" text-anchor="end">${esc(r.strategy)}</text>${segments.join('')}</g>`;
  });
  const legendTop = top + s.results.length * (barH + gap) + 10;
  const legend = legendRows === 0 ? [] : s.backends.map((b, i) => {
    const lx = 10 + (i % 4) * 110;
    const ly = legendTop + Math.floor(i / 4) * 16;
    return `<rect x="${lx}" y="${ly}" width="10" height="10" fill="${colour(i)}"/><text x="${lx + 14}" y="${ly + 9}">${esc(b)}</text>`;
  });
  return `<svg class="share-chart" role="img" aria-label="Load share per backend for ${esc(s.name)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">
${bars.join('\n')}
${legend.join('')}
</svg>`;
}

function table(s: ScenarioResult): string {
  const head = ['strategy', 'p50', 'p90', 'p99', 'p99.9', 'max', 'success', 'achieved', 'timeouts', '5xx', 'errors'];
  const row = (r: RunResult): string => {
    const cells = [
      r.strategy,
      ...summaryCells(r),
      String(r.failures.timeout),
      String(r.failures.status),
      String(r.failures.error),
    ];
    return `<tr${r.strategy === s.best ? ' class="best"' : ''}>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
  };
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${s.results.map(row).join('')}</tbody></table>`;
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

import type { RunResult } from '../load/recorder.js';

/** Formats milliseconds for a table: 3 significant digits, unit chosen by size (µs, ms, s). */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  // Thresholds sit where toPrecision(3) would round up to the next unit (999.6 → "1.00e+3").
  if (ms < 0.9995) return `${(ms * 1_000).toPrecision(3)}µs`;
  if (ms < 999.5) return `${ms.toPrecision(3)}ms`;
  return `${(ms / 1_000).toPrecision(3)}s`;
}

/** Formats a duration for progress messages: `1m05s`, `42s`, `1.2s` (tenths below 10 s). */
export function formatDuration(ms: number): string {
  if (ms < 9_950) return `${(Math.max(0, ms) / 1_000).toFixed(1)}s`;
  const s = Math.round(ms / 1_000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** Formats a percentage with two decimals (`99.95%`). */
export function formatPct(pct: number): string {
  return `${pct.toFixed(2)}%`;
}

/** Formats a rate in requests per second (`1.50k/s`, `950/s`). */
export function formatRate(perSecond: number): string {
  return perSecond >= 10_000 ? `${(perSecond / 1_000).toFixed(1)}k/s` : `${Math.round(perSecond)}/s`;
}

/** A scenario's offered rate: `1.50k/s`, or `500/s → 2.00k/s` for a ramp. */
export function formatOfferedRate(rate: { readonly from: number; readonly to: number }): string {
  return rate.from === rate.to ? formatRate(rate.from) : `${formatRate(rate.from)} → ${formatRate(rate.to)}`;
}

/** The cells both reports show for a run, in order: p50, p90, p99, p99.9, max, success, achieved rate. */
export function summaryCells(r: RunResult): string[] {
  const { p50, p90, p99, p999, max } = r.latency;
  return [...[p50, p90, p99, p999, max].map(formatMs), formatPct(r.successPct), formatRate(r.achievedRate)];
}

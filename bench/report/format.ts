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

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { compareRuns, kendallTau } from '../../bench/compare.js';
import { RunRecorder, type RunResult } from '../../bench/load/recorder.js';
import { formatMs } from '../../bench/report/format.js';
import { Progress } from '../../bench/report/progress.js';
import { bestStrategy, scenarioResult } from '../../bench/report/results.js';
import { renderTable } from '../../bench/report/table.js';
import { parseScenario } from '../../bench/scenario/scenario.js';

function result(strategy: string, latencyMs: number, ok: number, shares: Record<string, number>): RunResult {
  const r = new RunRecorder();
  for (let i = 0; i < 100; i++) r.record(i, latencyMs, i < ok ? 'ok' : 'timeout');
  return r.finish(strategy, 1_000, shares);
}

describe('the results table', () => {
  it('names as best the lowest p99 among the strategies that succeed as often as the best', () => {
    const fastButFailing = result('fast', 1, 90, {});
    const slow = result('slow', 20, 100, {});
    const slower = result('slower', 30, 100, {});
    expect(bestStrategy([fastButFailing, slow, slower])).toBe('slow');
    expect(bestStrategy([fastButFailing])).toBe('fast');
  });

  it('shows percentiles, success, rate and each backend share, and marks the best', () => {
    const scenario = parseScenario({ name: 'demo', description: 'A demo.', load: { rate: 100 }, backends: [{ name: 'a', latency: { type: 'constant', ms: 1 } }, { name: 'b', latency: { type: 'constant', ms: 1 } }] });
    const text = renderTable(scenarioResult(scenario, 'loopback', [result('round-robin', 20, 100, { a: 50, b: 50 }), result('p2c', 5, 100, { a: 75, b: 25 })]));
    const lines = text.split('\n');
    expect(lines[0]).toBe('  demo (loopback): A demo.');
    expect(lines).toContain('  share columns: a b');
    expect(text).toMatch(/strategy\s+p50\s+p90\s+p99\s+p99\.9\s+max\s+success\s+achieved\s+share per backend \(%\)/);
    expect(lines.find((l) => l.includes('*p2c'))).toMatch(/5\.00ms.*100\.00%\s+100\/s\s+75 25$/);
    expect(lines.find((l) => l.includes(' round-robin'))).toMatch(/20\.0ms.*50 50$/);
    expect(lines[lines.length - 1]).toBe('  best: p2c (p99 5.00ms, 100.00% success)');
  });

  it.each([
    [0.0123, '12.3µs'],
    [5, '5.00ms'],
    [999.6, '1.00s'],
    [12_345, '12.3s'],
  ])('formats %f ms as %s', (ms, text) => {
    expect(formatMs(ms)).toBe(text);
  });
});

describe('the progress bar', () => {
  it('redraws one line on a terminal with runs done, the current run and the time left', () => {
    const clock = new ManualClock();
    const out: string[] = [];
    const p = new Progress({ isTTY: true, columns: 200, write: (t) => out.push(t) > 0 }, 4, clock);
    p.start('slow-node · p2c');
    clock.advance(10_000);
    p.update(1);
    p.finish();
    expect(p.line()).toBe('[#######---------------------] 2/4 slow-node · p2c  10s elapsed, ~30s left');
    expect(out.every((t) => t.startsWith('\r\x1b[K'))).toBe(true);
    p.clear();
    expect(out[out.length - 1]).toBe('\r\x1b[K');
  });

  it('prints one line per run in a log', () => {
    const out: string[] = [];
    const p = new Progress({ write: (t) => out.push(t) > 0 }, 2, new ManualClock());
    p.start('a · p2c');
    p.update(0.5);
    p.finish();
    p.start('a · random');
    expect(out).toEqual(['[1/2] a · p2c\n', '[2/2] a · random\n']);
  });
});

describe('comparing two runs', () => {
  it("computes Kendall's tau between rankings", () => {
    expect(kendallTau(['a', 'b', 'c', 'd'], ['a', 'b', 'c', 'd'])).toBe(1);
    expect(kendallTau(['a', 'b', 'c', 'd'], ['d', 'c', 'b', 'a'])).toBe(-1);
    expect(kendallTau(['a', 'b', 'c'], ['b', 'a', 'c'])).toBeCloseTo(1 / 3, 12);
  });

  it('ranks the strategies both runs share and names the best of them in each run', () => {
    const scenario = parseScenario({ name: 's', load: { rate: 1 }, backends: [{ latency: { type: 'constant', ms: 1 } }] });
    const run = (mode: 'loopback' | 'simulator', results: RunResult[]) =>
      ({ version: 1, run: mode, mode, startedAt: '', command: '', machine: { cpus: 1, cpuModel: '', node: '', platform: '' }, scenarios: [scenarioResult(scenario, mode, results)] }) as const;
    const loop = run('loopback', [result('rr', 30, 100, {}), result('p2c', 10, 100, {}), result('lr', 20, 100, {})]);
    const sim = run('simulator', [result('rr', 40, 100, {}), result('p2c', 12, 100, {}), result('lr', 11, 100, {}), result('oracle', 5, 100, {})]);
    expect(compareRuns(loop, sim)).toEqual([{ scenario: 's', first: ['p2c', 'lr', 'rr'], second: ['lr', 'p2c', 'rr'], tau: 1 / 3, best: ['p2c', 'lr'] }]);
  });
});

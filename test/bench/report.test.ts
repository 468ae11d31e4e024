import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import type { BenchResults } from '../../bench/report/results.js';
import { runBench } from '../../bench/runner.js';
import { parseScenario } from '../../bench/scenario/scenario.js';

/** Debian's chromium, installed by .ci/run. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('the bench report', () => {
  it('runs a tiny scenario end to end and renders its charts in headless Chromium without console errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'switchyard-report-'));
    try {
      const scenario = parseScenario({
        name: 'tiny',
        description: 'Two backends, one slower.',
        durationMs: 300,
        warmupMs: 50,
        load: { rate: 200 },
        backends: [
          { name: 'quick', latency: { type: 'constant', ms: 1 } },
          { name: 'sluggish', latency: { type: 'constant', ms: 8 } },
        ],
      });
      const printed: string[] = [];
      const progress: string[] = [];
      await runBench({
        mode: 'loopback',
        scenarios: [scenario],
        strategies: ['round-robin', 'least-request'],
        outDir: dir,
        run: 'test-run',
        command: 'npm run bench -- --fleet tiny.json',
        clock: systemClock,
        print: (text) => printed.push(text),
        progress: { write: (text) => progress.push(text) > 0 },
      });
      expect(progress).toEqual(['[1/2] tiny: starting 2 backends\n', '[1/2] tiny · round-robin\n', '[2/2] tiny · least-request\n']);
      expect(printed.join('')).toMatch(/tiny \(loopback\)[\s\S]*round-robin[\s\S]*least-request[\s\S]*best: /);

      const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as BenchResults;
      expect(results).toMatchObject({ version: 1, run: 'test-run', mode: 'loopback', command: 'npm run bench -- --fleet tiny.json' });
      expect(results.scenarios[0]!.results.map((r) => r.strategy)).toEqual(['round-robin', 'least-request']);
      expect(['round-robin', 'least-request']).toContain(results.scenarios[0]!.best);

      const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
        });
        page.on('pageerror', (error) => problems.push(error.message));
        const requests: string[] = [];
        page.on('request', (request) => requests.push(request.url()));
        await page.goto(pathToFileURL(join(dir, 'report.html')).href);
        expect(await page.title()).toBe('switchyard bench: test-run');
        expect(await page.locator('svg.cdf-chart').count()).toBe(1);
        expect(await page.locator('svg.cdf-chart polyline.cdf').count()).toBe(2);
        expect(await page.locator('svg.share-chart g.share-bar').count()).toBe(2);
        expect(await page.locator('table tbody tr').count()).toBe(2);
        // Every curve and bar has been laid out with a real size.
        const sizes = await page.locator('polyline.cdf, g.share-bar').evaluateAll((els) => els.map((el) => (el as SVGGraphicsElement).getBBox()).map((b) => b.width * b.height));
        expect(sizes.every((area) => area > 0)).toBe(true);
        // Self-contained: the page loaded nothing but itself.
        expect(requests).toEqual([pathToFileURL(join(dir, 'report.html')).href]);
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

import { describe, expect, it } from 'vitest';
import { ManualClock, type Call, type Reply } from '../../src/index.js';
import { EventBus } from '../../src/core/events.js';
import { parseAlertsOptions } from '../../src/health/alert-options.js';
import { Alerts } from '../../src/health/alerts.js';
import { CallWindow } from '../../src/health/call-window.js';
import type { ObservedMesh } from '../../src/metrics/mesh-metrics.js';

describe('CallWindow', () => {
  it('reads p99 within one bucket (2^(1/8), about 9 %) above the true value', () => {
    const window = new CallWindow(10_000, 0);
    for (let i = 1; i <= 1_000; i++) window.record(0, true, i); // 1..1000 ms: p99 is 990
    const p99 = window.percentile(0, 99);
    expect(p99).toBeGreaterThanOrEqual(990);
    expect(p99).toBeLessThan(990 * 2 ** (1 / 8));
    expect(window.percentile(0, 50)).toBeGreaterThanOrEqual(500);
    expect(window.percentile(0, 50)).toBeLessThan(500 * 2 ** (1 / 8));
  });

  it('moves a tenth of its length at a time: a slice leaves the window once the window has passed it', () => {
    const window = new CallWindow(10_000, 0);
    window.record(0, false, 1);
    window.record(5_500, true, 1);
    expect(window.calls(9_999)).toBe(2);
    expect(window.successRate(9_999)).toBe(0.5);
    expect(window.calls(10_000)).toBe(1); // the slice [0, 1000) is gone
    expect(window.calls(14_999)).toBe(1);
    expect(window.calls(15_000)).toBe(0);
    expect(window.successRate(15_000)).toBe(1);
    expect(window.percentile(15_000, 99)).toBe(0);
    window.mark(30_000);
    expect(window.marks(39_999)).toBe(1);
    expect(window.marks(40_000)).toBe(0);
  });
});

describe('a p99 alert', () => {
  it('fires when the 99th percentile of logical call latency passes its threshold, and resolves at its resolve value', async () => {
    const clock = new ManualClock();
    const events = new EventBus();
    const mesh = { active: { services: new Map([['payments', { settings: { service: 'payments' }, cluster: {} }]]) } } as unknown as ObservedMesh;
    const alerts = new Alerts(clock, events, mesh);
    const settings = parseAlertsOptions({ rules: [{ name: 'slow', metric: 'p99', above: 200, resolve: 100, window: 10_000, minCalls: 10 }] }, 'alerts', new Set(['payments']));
    alerts.apply(settings, ['payments']);
    const layer = alerts.layer('payments', settings)!;
    const log: string[] = [];
    events.on('alert', (e) => log.push(`alert ${Math.round(e.value)}`));
    events.on('alert-resolved', (e) => log.push(`resolved ${Math.round(e.value)}`));
    const call = { service: 'payments', signal: undefined } as unknown as Call;
    const callTaking = (ms: number) => layer(call, async () => {
      clock.advance(ms);
      return { status: 200 } as Reply;
    });
    for (let i = 0; i < 10; i++) await callTaking(i === 9 ? 400 : 20);
    clock.advance(1_000 - (clock.now() % 1_000));
    expect(log).toEqual(['alert 425']); // 400 ms, read as its bucket's upper edge (within 9 %)
    clock.advance(10_000); // the slow call has left the window
    for (let i = 0; i < 10; i++) await callTaking(150);
    clock.advance(1_000 - (clock.now() % 1_000));
    expect(log).toEqual(['alert 425']); // 150 ms: under the threshold, above the resolve value
    clock.advance(10_000);
    for (let i = 0; i < 10; i++) await callTaking(50);
    clock.advance(1_000 - (clock.now() % 1_000));
    expect(log).toEqual(['alert 425', 'resolved 53']);
    alerts.close();
    expect(clock.pendingTimers).toBe(0);
  });
});

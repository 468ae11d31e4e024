import { describe, expect, it } from 'vitest';
import { endpointStats } from '../../src/mesh/stats.js';
import { leastResponseTime, ManualClock, peakEwma, seededRng } from '../../src/index.js';
import { endpoints, fleetOf, pickerFor, share, simulate } from '../balance/support/fleet.js';
import { load } from '../support/endpoint-writers.js';
import { useLoopbackClients } from '../support/loopback-clients.js';

// Issue 11 item 10: four backends, one at 150 ms for 3 s then healthy again. Before the staleness
// limit the recovered endpoint got 0 % of the traffic for about 21 s (least-response-time: 27 s).
describe.each([
  ['peak-ewma', peakEwma],
  ['least-response-time', leastResponseTime],
] as const)('%s gives a recovered endpoint its share back within a few seconds', (_name, balancer) => {
  it('a 150 ms spell of 3 s, then healthy: at least 80 % of a fair share between 3 s and 5 s after recovery (manual clock)', async () => {
    const { fleet, clock } = fleetOf(endpoints(4));
    const picker = await pickerFor(balancer(), fleet, clock, seededRng(11));
    let slow = false;
    // A request every millisecond; 2 ms at a healthy endpoint.
    const run = (ms: number) => simulate({ clock, picker, requests: ms, intervalMs: 1, latency: (s) => (slow && s.id === 'e0' ? 150 : 2) });
    expect(share(run(5_000).slice(-2_000), 'e0')).toBeGreaterThan(0.2);
    slow = true;
    const during = run(3_000);
    // It lost its traffic while slow, apart from a probe now and then.
    expect(share(during.slice(500), 'e0')).toBeLessThan(0.01);
    slow = false;
    run(3_000);
    expect(share(run(2_000), 'e0')).toBeGreaterThanOrEqual(0.8 * 0.25);
  });

  it('probes an endpoint that is still slow only once per staleness limit, one request at a time', async () => {
    const { fleet, clock } = fleetOf(endpoints(4));
    const picker = await pickerFor(balancer(), fleet, clock, seededRng(12));
    const run = (ms: number, slow: boolean) => simulate({ clock, picker, requests: ms, intervalMs: 1, latency: (s) => (slow && s.id === 'e0' ? 150 : 2) });
    run(2_000, false);
    run(1_000, true);
    // 10 s of slowness: 2 s staleness limit plus the 150 ms probe: at most 5 probes.
    const picks = run(10_000, true);
    const probes = picks.filter((id) => id === 'e0').length;
    expect(probes).toBeGreaterThanOrEqual(3);
    expect(probes).toBeLessThanOrEqual(5);
  });
});

// Issue 11 item 11: stats() showed the stored estimate (frozen at 152.6 ms for 21 s).
describe('stats().ewmaMs is the estimate as of now', () => {
  it('endpointStats decays the last sample for the time since it, and reads 0 once it is stale', () => {
    const { fleet } = fleetOf(endpoints(1));
    const [e0] = fleet.snapshot.members;
    load.start(e0!);
    load.finish(e0!, 150, 0, true);
    expect(endpointStats(fleet, 0)[0]!.ewmaMs).toBe(150);
    expect(endpointStats(fleet, 1_000)[0]!.ewmaMs).toBeCloseTo(150 * Math.exp(-0.1), 9);
    expect(endpointStats(fleet, 2_001)[0]!.ewmaMs).toBe(0);
  });

  const loopback = useLoopbackClients(1);

  it('client.stats() reports the decayed value of a real response measured on the manual clock', async () => {
    const clock = new ManualClock();
    const client = loopback.client({ service: 'svc', endpoints: loopback.fleet.urls, balancer: 'peak-ewma', clock });
    const pending = client.request({ path: '/delay/20' });
    // The attempt is in flight: 100 ms pass on the client's clock before its headers arrive.
    clock.advance(100);
    await (await pending).body.text();
    expect(client.stats()[0]!.ewmaMs).toBe(100);
    clock.advance(1_000);
    expect(client.stats()[0]!.ewmaMs).toBeCloseTo(100 * Math.exp(-0.1), 9);
  });
});

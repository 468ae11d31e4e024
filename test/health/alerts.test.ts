import diagnosticsChannel from 'node:diagnostics_channel';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createMesh, ManualClock, type AlertEvent, type Discovery, type DiscoveryListener, type Endpoint, type Mesh, type MeshConfig } from '../../src/index.js';
import { startLoopbackFleet, type LoopbackFleet } from '../support/loopback.js';

let fleet: LoopbackFleet;
let mesh: Mesh | undefined;

beforeAll(async () => {
  fleet = await startLoopbackFleet(2);
});
afterAll(() => fleet.stop());
afterEach(async () => {
  await mesh?.close();
  mesh = undefined;
  await fleet.reset();
});

/** Records every alert event of `m` as `alert <name> <value>` or `resolved <name> <value>`. */
function recordAlerts(m: Mesh): string[] {
  const log: string[] = [];
  const round = (v: number): number => Math.round(v * 1_000) / 1_000;
  m.on('alert', (e) => log.push(`alert ${e.alert} ${e.service} ${round(e.value)}`));
  m.on('alert-resolved', (e) => log.push(`resolved ${e.alert} ${e.service} ${round(e.value)}`));
  return log;
}

async function calls(m: Mesh, n: number, path = '/'): Promise<void> {
  for (let i = 0; i < n; i++) await (await m.client('payments').request({ path })).body.dump();
}

/** A discovery provider the test drives. */
function drivenDiscovery(endpoints: Endpoint[]): { discovery: Discovery; listener: () => DiscoveryListener } {
  let listener: DiscoveryListener | undefined;
  return {
    discovery: {
      current: () => endpoints,
      subscribe(l) {
        listener = l;
        l.update(endpoints);
        return () => (listener = undefined);
      },
      ready: () => Promise.resolve(),
      close: () => Promise.resolve(),
    },
    listener: () => listener!,
  };
}

const service = (urls: string[]) => ({ endpoints: urls, retry: false as const, breaker: false as const });

describe('alert rules', () => {
  it('a success-rate alert fires below its threshold and resolves only at its resolve value (hysteresis)', async () => {
    const clock = new ManualClock();
    mesh = createMesh({
      clock,
      config: {
        services: { payments: service([fleet.urls[0]!]) },
        alerts: { interval: 1_000, rules: [{ name: 'errors', service: 'payments', metric: 'success-rate', below: 0.9, resolve: 0.95, window: 60_000, minCalls: 5 }] },
      },
    });
    const log = recordAlerts(mesh);
    await calls(mesh, 10);
    clock.advance(1_000);
    expect(log).toEqual([]);
    await fleet.setMode(0, { status: 500 });
    await calls(mesh, 2);
    clock.advance(1_000);
    expect(log).toEqual(['alert errors payments 0.833']);
    expect(mesh.health().services.payments).toEqual({
      status: 'degraded',
      reasons: [{ code: 'alert', status: 'degraded', alert: 'errors', message: 'success-rate is 0.833, below 0.9 (alert errors)' }],
    });
    await fleet.setMode(0, {});
    await calls(mesh, 8); // 18 of 20: back above the threshold, not yet at the resolve value
    clock.advance(3_000);
    expect(log).toEqual(['alert errors payments 0.833']);
    await calls(mesh, 20); // 38 of 40 = 0.95
    clock.advance(1_000);
    expect(log).toEqual(['alert errors payments 0.833', 'resolved errors payments 0.95']);
    expect(mesh.health().status).toBe('healthy');
  });

  it('does not judge a call metric on fewer calls than minCalls, and calls leave the window as it moves', async () => {
    const clock = new ManualClock();
    mesh = createMesh({
      clock,
      config: {
        services: { payments: service([fleet.urls[0]!]) },
        alerts: { rules: [{ name: 'errors', metric: 'success-rate', below: 0.5, window: 10_000, minCalls: 3 }] },
      },
    });
    const log = recordAlerts(mesh);
    await fleet.setMode(0, { status: 503 });
    await calls(mesh, 2);
    clock.advance(1_000);
    expect(log).toEqual([]);
    await calls(mesh, 1);
    clock.advance(1_000);
    expect(log).toEqual(['alert errors payments 0']);
    await fleet.setMode(0, {});
    clock.advance(10_000); // the failures have left the window; too few calls to judge: the alert stays
    expect(log).toHaveLength(1);
    await calls(mesh, 3);
    clock.advance(1_000);
    expect(log).toEqual(['alert errors payments 0', 'resolved errors payments 1']);
  });

  it('a discovery-stale alert fires only after its condition has held for `for` ms, and resolves likewise', async () => {
    const clock = new ManualClock();
    const driven = drivenDiscovery([{ id: 'a', url: fleet.urls[0]!, weight: 1, zone: undefined, tags: {} }]);
    mesh = createMesh({
      clock,
      discovery: { payments: driven.discovery },
      config: { services: { payments: {} }, alerts: { rules: [{ name: 'stale', metric: 'discovery-stale', above: 5_000, for: 2_000, severity: 'down' }] } },
    });
    const log = recordAlerts(mesh);
    driven.listener().error(new Error('registry down'));
    clock.advance(1_000);
    expect(mesh.health().services.payments!.reasons.map((r) => r.code)).toEqual(['discovery-stale']);
    expect(mesh.health().status).toBe('degraded');
    clock.advance(6_000); // stale 5 001 ms at 6 000 (pending), fires once it has held 2 000 ms
    expect(log).toEqual([]);
    clock.advance(1_000);
    expect(log).toEqual(['alert stale payments 8000']);
    expect(mesh.health().status).toBe('down');
    driven.listener().update(driven.discovery.current());
    clock.advance(2_000);
    expect(log).toHaveLength(1);
    clock.advance(1_000);
    expect(log).toEqual(['alert stale payments 8000', 'resolved stale payments 0']);
    expect(mesh.health()).toEqual({ status: 'healthy', services: { payments: { status: 'healthy', reasons: [] } } });
  });

  it('an ejected-share alert and the all-ejected health reason follow the breakers', async () => {
    const clock = new ManualClock();
    mesh = createMesh({
      clock,
      config: {
        services: { payments: { endpoints: fleet.urls, retry: false, breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, maxEjectionPercent: 100, resetTimeout: 60_000 } } },
        alerts: { rules: [{ name: 'ejected', metric: 'ejected-share', above: 0.4 }] },
      },
    });
    const log = recordAlerts(mesh);
    await fleet.setMode(0, { status: 503 });
    await calls(mesh, 4);
    clock.advance(1_000);
    expect(log).toEqual(['alert ejected payments 0.5']);
    expect(mesh.health().services.payments!.status).toBe('degraded');
    await fleet.setMode(1, { status: 503 });
    await calls(mesh, 3).catch(() => undefined);
    expect(mesh.health().services.payments!.reasons[0]).toMatchObject({ code: 'all-ejected', status: 'down' });
    expect(mesh.health().status).toBe('down');
    expect(mesh.client('payments').health().status).toBe('down');
  });

  it('a budget-exhausted alert counts refused retries in its window', async () => {
    const clock = new ManualClock();
    mesh = createMesh({
      clock,
      config: {
        services: { payments: { endpoints: fleet.urls, breaker: false, retry: { retries: 1, backoff: { initial: 0, max: 0 }, budget: { ratio: 0, minPerSecond: 0.1, window: 10_000 } } } },
        alerts: { rules: [{ name: 'budget', metric: 'budget-exhausted', above: 1, window: 5_000 }] },
      },
    });
    const log = recordAlerts(mesh);
    await fleet.setMode(0, { status: 503 });
    await fleet.setMode(1, { status: 503 });
    await calls(mesh, 3); // one retry fits the budget, two are refused
    clock.advance(1_000);
    expect(log).toEqual(['alert budget payments 2']);
    clock.advance(5_000);
    expect(log).toEqual(['alert budget payments 2', 'resolved budget payments 0']);
  });

  it('a rule without a service watches every service, each alert on its own, and is published on the diagnostics channel', async () => {
    const clock = new ManualClock();
    const published: AlertEvent[] = [];
    const onAlert = (e: unknown): void => void published.push(e as AlertEvent);
    diagnosticsChannel.subscribe('switchyard:alert', onAlert);
    try {
      const drivenA = drivenDiscovery([{ id: 'a', url: fleet.urls[0]!, weight: 1, zone: undefined, tags: {} }]);
      const drivenB = drivenDiscovery([{ id: 'b', url: fleet.urls[1]!, weight: 1, zone: undefined, tags: {} }]);
      mesh = createMesh({
        clock,
        discovery: { payments: drivenA.discovery, ledger: drivenB.discovery },
        config: { services: { payments: {}, ledger: {} }, alerts: { rules: [{ name: 'stale', metric: 'discovery-stale', above: 0 }] } },
      });
      drivenB.listener().error(new Error('down'));
      clock.advance(1_000);
      expect(published.map((e) => [e.service, e.alert, e.metric, e.value, e.threshold, e.severity])).toEqual([['ledger', 'stale', 'discovery-stale', 1_000, 0, 'degraded']]);
      expect(mesh.client('payments').health().status).toBe('healthy');
    } finally {
      diagnosticsChannel.unsubscribe('switchyard:alert', onAlert);
    }
  });

  it('keeps a firing alert across a reload that keeps its rule, and resolves it when a reload removes the rule', async () => {
    const clock = new ManualClock();
    const driven = drivenDiscovery([{ id: 'a', url: fleet.urls[0]!, weight: 1, zone: undefined, tags: {} }]);
    const config = (rules: MeshConfig['alerts']): MeshConfig => ({ services: { payments: {} }, alerts: rules });
    mesh = createMesh({ clock, discovery: { payments: driven.discovery }, config: config({ rules: [{ name: 'stale', metric: 'discovery-stale', above: 0 }] }) });
    const log = recordAlerts(mesh);
    driven.listener().error(new Error('down'));
    clock.advance(1_000);
    mesh.apply(config({ rules: [{ name: 'stale', metric: 'discovery-stale', above: 0 }] }));
    clock.advance(1_000);
    expect(log).toEqual(['alert stale payments 1000']);
    mesh.apply(config(undefined));
    expect(log).toEqual(['alert stale payments 1000', 'resolved stale payments 2000']);
    expect(mesh.health().status).toBe('degraded'); // still stale, no longer alerting
  });

  it('rejects bad rules naming the option path and the value, keeping the active config', () => {
    mesh = createMesh({ config: { services: { payments: service(fleet.urls) } } });
    const bad = (alerts: unknown): (() => string) => () => mesh!.apply({ services: { payments: service(fleet.urls) }, alerts } as MeshConfig);
    expect(bad({ rules: [{ name: 'x', metric: 'latency', above: 1 }] })).toThrow('Invalid option alerts.rules[0].metric: "latency"');
    expect(bad({ rules: [{ name: 'x', metric: 'p99' }] })).toThrow('Invalid option alerts.rules[0].above');
    expect(bad({ rules: [{ name: 'x', metric: 'success-rate', below: 1.5 }] })).toThrow('Invalid option alerts.rules[0].below: 1.5');
    expect(bad({ rules: [{ name: 'x', metric: 'p99', above: 500, resolve: 600 }] })).toThrow('Invalid option alerts.rules[0].resolve: 600');
    expect(bad({ rules: [{ name: 'x', service: 'ledger', metric: 'p99', above: 500 }] })).toThrow('Invalid option alerts.rules[0].service: "ledger"');
    expect(bad({ rules: [{ name: 'x', metric: 'p99', above: 5 }, { name: 'x', metric: 'p99', above: 6 }] })).toThrow('Invalid option alerts.rules[1].name');
    expect(bad({ rules: [{ name: 'x', metric: 'p99', above: 5, severity: 'bad' }] })).toThrow('Invalid option alerts.rules[0].severity');
    expect(bad({ interval: 0, rules: [] })).toThrow('Invalid option alerts.interval: 0');
    expect(mesh.config()!.generation).toBe(1);
  });
});

describe('createClient({ alerts })', () => {
  it("takes alert rules over its one service, and its health() and on('alert') follow them", async () => {
    const clock = new ManualClock();
    const client = createClient({
      service: 'payments',
      endpoints: [fleet.urls[0]!],
      retry: false,
      breaker: false,
      clock,
      alerts: { rules: [{ name: 'errors', metric: 'success-rate', below: 0.5, minCalls: 2, severity: 'down' }] },
    });
    const fired: string[] = [];
    client.on('alert', (e) => fired.push(`${e.service} ${e.alert} ${e.value}`));
    await fleet.setMode(0, { status: 502 });
    for (let i = 0; i < 2; i++) await (await client.request({ path: '/' })).body.dump();
    clock.advance(1_000);
    expect(fired).toEqual(['payments errors 0']);
    expect(client.health()).toMatchObject({ status: 'down', reasons: [{ code: 'alert', alert: 'errors' }] });
    await client.close();
    expect(clock.pendingTimers).toBe(0);
    expect(() => createClient({ service: 'payments', endpoints: fleet.urls, alerts: { rules: [{ name: 'x', service: 'ledger', metric: 'p99', above: 1 }] } })).toThrow(
      'Invalid option alerts.rules[0].service: "ledger"',
    );
  });
});

describe('health()', () => {
  it('is down with no-config before a config source delivers, and reports no endpoints', async () => {
    const source = { subscribe: () => () => undefined, ready: () => new Promise<void>(() => undefined), close: () => Promise.resolve() };
    const pending = createMesh({ source });
    expect(pending.health()).toEqual({ status: 'down', services: {} });
    expect(pending.client('payments').health()).toMatchObject({ status: 'down', reasons: [{ code: 'no-config' }] });
    await pending.close();
    const empty = drivenDiscovery([]);
    mesh = createMesh({ discovery: { payments: empty.discovery }, config: { services: { payments: {} } } });
    expect(mesh.health().services.payments).toMatchObject({ status: 'down', reasons: [{ code: 'no-endpoints' }] });
  });
});

import diagnosticsChannel from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { ManualClock, staticDiscovery } from '../../src/index.js';
import { EventBus } from '../../src/core/events.js';
import { toEndpoint } from '../../src/fleet/endpoint.js';
import { Fleet } from '../../src/fleet/fleet.js';
import { load } from '../support/endpoint-writers.js';

const ep = (port: number, extra: { weight?: number; id?: string } = {}) => toEndpoint({ url: `http://127.0.0.1:${port}`, ...extra }, 'test');

function newFleet(clock = new ManualClock()) {
  const events = new EventBus();
  return { fleet: new Fleet({ service: 'svc', clock, events, ewmaTauMs: 10_000 }), events, clock };
}

describe('Fleet', () => {
  it('keeps the state of endpoints that stay across snapshots, by id', () => {
    const { fleet, clock } = newFleet();
    fleet.update([ep(1), ep(2)]);
    const kept = fleet.get('http://127.0.0.1:1')!;
    load.start(kept);
    load.finish(kept, 12, clock.now(), true);
    clock.advance(1_000);
    const change = fleet.update([ep(1), ep(3)]);
    expect(change.added.map((s) => s.id)).toEqual(['http://127.0.0.1:3']);
    expect(change.removed.map((s) => s.id)).toEqual(['http://127.0.0.1:2']);
    expect(fleet.get('http://127.0.0.1:1')).toBe(kept);
    expect(kept.requests).toBe(1);
    expect(kept.ewmaMs).toBe(12);
    expect(fleet.get('http://127.0.0.1:3')!.joinedAt).toBe(1_000);
    expect(fleet.get('http://127.0.0.1:2')).toBeUndefined();
  });

  it('redescribes an endpoint whose weight changed without losing its state', () => {
    const { fleet } = newFleet();
    fleet.update([ep(1)]);
    const before = fleet.get('http://127.0.0.1:1')!;
    const change = fleet.update([ep(1, { weight: 5 })]);
    expect(change.updated).toEqual([before]);
    expect(before.endpoint.weight).toBe(5);
  });

  it('treats the same id at another origin as a new instance', () => {
    const { fleet } = newFleet();
    fleet.update([ep(1, { id: 'pod-a' })]);
    const old = fleet.get('pod-a')!;
    const change = fleet.update([ep(2, { id: 'pod-a' })]);
    expect(change.removed).toEqual([old]);
    expect(change.added[0]!.endpoint.url).toBe('http://127.0.0.1:2');
  });

  it('builds a new immutable snapshot only when membership changes', () => {
    const { fleet } = newFleet();
    fleet.update([ep(1), ep(2)]);
    const first = fleet.snapshot;
    expect(Object.isFrozen(first.members)).toBe(true);
    fleet.update([ep(1), ep(2)]);
    expect(fleet.snapshot).toBe(first);
    fleet.update([ep(2), ep(1)]);
    expect(fleet.snapshot.version).toBe(first.version + 1);
  });

  it('releases the breaker of an endpoint that leaves', () => {
    const { fleet } = newFleet();
    fleet.update([ep(1)]);
    let closed = 0;
    fleet.claimHealthWriter().attach(fleet.get('http://127.0.0.1:1')!, { close: () => closed++ });
    fleet.update([ep(2)]);
    expect(closed).toBe(1);
  });

  it('announces joins and leaves to listeners and on diagnostics channels', () => {
    const { fleet, events } = newFleet();
    const seen: string[] = [];
    events.on('endpoint-added', (e) => seen.push(`+${e.endpoint}`));
    const onRemoved = (message: unknown) => seen.push(`-${(message as { endpoint: string }).endpoint}`);
    diagnosticsChannel.subscribe('switchyard:endpoint-removed', onRemoved);
    try {
      fleet.update([ep(1)]);
      fleet.update([ep(2)]);
    } finally {
      diagnosticsChannel.unsubscribe('switchyard:endpoint-removed', onRemoved);
    }
    expect(seen).toEqual(['+http://127.0.0.1:1', '+http://127.0.0.1:2', '-http://127.0.0.1:1']);
  });

  it('keeps only per-endpoint state for current members through 10k join/leave cycles', () => {
    const { fleet } = newFleet();
    const stable = [ep(1), ep(2), ep(3)];
    for (let i = 0; i < 10_000; i++) fleet.update([...stable, ep(10_000 + (i % 50_000))]);
    expect(fleet.snapshot.members).toHaveLength(4);
    expect(fleet.get('http://127.0.0.1:10000')).toBeUndefined();
    expect(fleet.get('http://127.0.0.1:1')!.joinedAt).toBe(0);
  });
});

describe('staticDiscovery', () => {
  it('delivers its list on subscribe and on set, and keeps the old list when a new one is invalid', () => {
    const discovery = staticDiscovery(['http://127.0.0.1:1']);
    const updates: string[][] = [];
    discovery.subscribe({ update: (eps) => updates.push(eps.map((e) => e.url)), error: () => {} });
    discovery.set(['http://127.0.0.1:2', { url: 'http://127.0.0.1:3', weight: 2 }]);
    expect(() => discovery.set(['nope'])).toThrow(/endpoints\[0\]\.url/);
    expect(updates).toEqual([['http://127.0.0.1:1'], ['http://127.0.0.1:2', 'http://127.0.0.1:3']]);
    expect(discovery.current().map((e) => e.weight)).toEqual([1, 2]);
  });
});

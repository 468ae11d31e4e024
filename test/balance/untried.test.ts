import { describe, expect, it } from 'vitest';
import { BalanceLayer } from '../../src/balance/balance-layer.js';
import type { Balancer } from '../../src/balance/balancer.js';
import { BALANCER_NAMES, resolveBalancer } from '../../src/balance/registry.js';
import { createCall, type Call } from '../../src/core/call.js';
import { seededRng } from '../../src/index.js';
import { endpoints, fleetOf, pickerFor, setInFlight } from './support/fleet.js';
import { load, health } from '../support/endpoint-writers.js';

/** A retry of a call keyed `key` that already tried the endpoints `ids`. */
function retry(ids: readonly string[], key = 'user-7'): Call {
  return createCall({ service: 'svc', key, attempt: ids.length, tried: new Set(ids) });
}

/**
 * Four endpoints where e0 is what every balancer likes best: idle with the lowest latency
 * (peak-ewma, least-response-time), the fewest in flight (p2c, least-request), the owner of the
 * key (ring-hash, maglev: the key is chosen so), the next in turn (round-robin, EDF).
 */
async function setup(name: string) {
  const { fleet, clock } = fleetOf(endpoints(4));
  const members = fleet.snapshot.members;
  members.forEach((s, i) => {
    load.start(s);
    load.finish(s, i === 0 ? 0.3 : 20, 0, true);
    setInFlight(s, i === 0 ? 0 : 3, 0);
  });
  const balancer = resolveBalancer(name);
  const picker = await pickerFor(balancer, fleet, clock, seededRng(3));
  // A key e0 owns, for the hashing balancers.
  let key = 'user-0';
  for (let k = 0; picker.pick(createCall({ service: 'svc', key }), 0)?.id !== 'e0'; k++) key = `user-${k}`;
  return { fleet, clock, picker, key, members };
}

describe('each retry prefers an endpoint not tried yet, whatever the balancer', () => {
  it.each(BALANCER_NAMES)('%s never picks the endpoint a retry already tried while an untried one is available (2 000 picks)', async (name) => {
    const { picker, key } = await setup(name);
    for (let i = 0; i < 2_000; i++) expect(picker.pick(retry(['e0'], key), 0)?.id).not.toBe('e0');
    for (let i = 0; i < 500; i++) expect(['e2', 'e3']).toContain(picker.pick(retry(['e0', 'e1'], key), 0)?.id);
  });

  it.each(BALANCER_NAMES)('%s skips ejected endpoints too, finds the one untried available endpoint, and picks a tried one when nothing else is left', async (name) => {
    const { picker, key, members } = await setup(name);
    health.set(members[1]!, 'ejected');
    health.set(members[2]!, 'ejected');
    for (let i = 0; i < 200; i++) expect(picker.pick(retry(['e0'], key), 0)?.id).toBe('e3');
    for (let i = 0; i < 200; i++) expect(['e0', 'e3']).toContain(picker.pick(retry(['e0', 'e3'], key), 0)?.id);
    health.set(members[0]!, 'ejected');
    health.set(members[3]!, 'ejected');
    expect(picker.pick(retry(['e0'], key), 0)).toBeUndefined();
  });

  it.each(BALANCER_NAMES)('%s still picks as before on a first attempt', async (name) => {
    const { picker, key } = await setup(name);
    // Scans and hashing are exact: e0 every time (p2c-style and rotating balancers sample or take turns).
    if (!['least-request', 'least-response-time', 'ring-hash', 'maglev'].includes(name)) return;
    const ids = Array.from({ length: 50 }, () => picker.pick(createCall({ service: 'svc', key }), 0)?.id);
    expect(new Set(ids)).toEqual(new Set(['e0']));
  });
});

describe('the balance layer keeps the promise for a custom picker that ignores call.tried', () => {
  it('re-picks a bounded number of times, then takes a random untried endpoint', async () => {
    const { fleet, clock } = fleetOf(endpoints(3));
    let picks = 0;
    const stubborn: Balancer = {
      name: 'stubborn',
      build: (snapshot) => ({
        pick: () => {
          picks++;
          return snapshot.members[0];
        },
      }),
    };
    const layer = new BalanceLayer({ service: 'svc', members: fleet, balancer: stubborn, clock, rng: seededRng(1) });
    for (let i = 0; i < 100; i++) expect(layer.pick(retry(['e0']))).not.toBe(fleet.snapshot.members[0]);
    expect(picks).toBe(300);
    expect(layer.pick(retry(['e0', 'e1', 'e2'])).id).toBe('e0');
    layer.close();
  });
});

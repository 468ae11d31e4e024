/** Fakes for the resilience layers' unit tests: replies, a fleet, calls. */
import { createCall, type Call, type Reply } from '../../src/core/call.js';
import type { Clock } from '../../src/core/clock.js';
import { EventBus, type ClientEventName, type ClientEvents } from '../../src/core/events.js';
import { toEndpoint } from '../../src/fleet/endpoint.js';
import { Fleet } from '../../src/fleet/fleet.js';

/** A reply whose body records whether it was dumped. */
export interface FakeReply extends Reply {
  readonly dumped: () => boolean;
}

export function reply(status: number, headers: Record<string, string> = {}, endpoint?: Reply['endpoint']): FakeReply {
  let dumped = false;
  const body = {
    dump: async () => {
      dumped = true;
    },
  } as unknown as Reply['body'];
  return { status, headers, body, endpoint, dumped: () => dumped };
}

/** An error shaped like Node's connection-refused error. */
export function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
}

/** A fleet of `n` endpoints http://10.0.0.i:80 (never contacted) with ids e0..e(n-1). */
export function fakeFleet(clock: Clock, n: number, events = new EventBus()): Fleet {
  const fleet = new Fleet({ service: 'svc', clock, events, ewmaTauMs: 10_000 });
  fleet.update(Array.from({ length: n }, (_, i) => toEndpoint({ url: `http://127.0.0.1:${1000 + i}`, id: `e${i}` }, `endpoints[${i}]`)));
  return fleet;
}

/** A GET call with a deadline `total` ms after `now`. */
export function call(now: number, overrides: Partial<Call> = {}): Call {
  return createCall({ service: 'svc', deadline: now + 30_000, tried: new Set(), meta: {}, ...overrides });
}

/** Records every event of the given names, in order. */
export function record<K extends ClientEventName>(events: EventBus, ...names: K[]): Array<{ name: K; event: ClientEvents[K] }> {
  const seen: Array<{ name: K; event: ClientEvents[K] }> = [];
  for (const name of names) events.on(name, (event) => seen.push({ name, event }));
  return seen;
}

/** Lets pending promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

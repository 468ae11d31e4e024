import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { leaseGrant } from './lease-grant.js';
import type { DemandReport, QuotaGrant, QuotaStore } from './quota-store.js';

/** One quota's state: its clients and when the store started it (its learning period runs from there). */
interface QuotaState {
  readonly started: number;
  lastReport: number;
  readonly clients: Map<string, { demand: number; granted: number; seen: number }>;
}

/**
 * A {@link QuotaStore} in this process's memory: several clients (or meshes) in one process split
 * one quota by demand, exactly as processes do through Redis (the same grant rule, and the same
 * forgetting: a quota nobody reported to for 2 × `ttlMs` starts afresh, with a learning period).
 *
 * @param clock - time for expiring silent clients (default: the system clock)
 */
export function memoryQuotaStore(clock: Clock = systemClock): QuotaStore {
  const quotas = new Map<string, QuotaState>();
  return {
    report({ key, client, demand, quota, ttlMs, held, learnMs }: DemandReport): Promise<QuotaGrant> {
      const now = clock.now();
      let state = quotas.get(key);
      if (!state || now - state.lastReport > 2 * ttlMs) quotas.set(key, (state = { started: now, lastReport: now, clients: new Map() }));
      state.lastReport = now;
      const { clients } = state;
      for (const [id, c] of clients) if (now - c.seen > ttlMs) clients.delete(id);
      const mine = { demand, granted: clients.get(client)?.granted ?? 0, seen: now };
      clients.set(client, mine);
      const holders = [...clients.values()];
      mine.granted = leaseGrant(holders, holders.indexOf(mine), quota, now - state.started < learnMs, held);
      return Promise.resolve({ share: mine.granted, clients: holders.length });
    },
    leave(key, client) {
      quotas.get(key)?.clients.delete(client);
      return Promise.resolve();
    },
    close() {
      quotas.clear();
      return Promise.resolve();
    },
  };
}

import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { fairShare } from './fair-share.js';
import type { DemandReport, QuotaGrant, QuotaStore } from './quota-store.js';

/**
 * A {@link QuotaStore} in this process's memory: several clients (or meshes) in one process split
 * one quota by demand, exactly as processes do through Redis.
 *
 * @param clock - time for expiring silent clients (default: the system clock)
 */
export function memoryQuotaStore(clock: Clock = systemClock): QuotaStore {
  const quotas = new Map<string, Map<string, { demand: number; seen: number }>>();
  return {
    report({ key, client, demand, quota, ttlMs }: DemandReport): Promise<QuotaGrant> {
      const now = clock.now();
      let clients = quotas.get(key);
      if (!clients) quotas.set(key, (clients = new Map()));
      clients.set(client, { demand, seen: now });
      for (const [id, c] of clients) if (now - c.seen > ttlMs) clients.delete(id);
      const ids = [...clients.keys()];
      const shares = fairShare(ids.map((id) => clients.get(id)!.demand), quota);
      return Promise.resolve({ share: shares[ids.indexOf(client)]!, clients: ids.length });
    },
    leave(key, client) {
      quotas.get(key)?.delete(client);
      return Promise.resolve();
    },
    close() {
      quotas.clear();
      return Promise.resolve();
    },
  };
}

import { toEndpoints, type EndpointInput } from '../fleet/endpoint.js';
import type { Discovery, DiscoveryListener } from './discovery.js';

/**
 * A fixed list of endpoints; the embedded default behind `createClient({ endpoints })`.
 * `set()` replaces the list at run time, as a registry would.
 */
export interface StaticDiscovery extends Discovery {
  /** Replaces the endpoint list (validated; a bad list throws `ConfigError` and keeps the old one). */
  set(endpoints: readonly EndpointInput[]): void;
}

/**
 * Creates a static discovery provider from URLs or `{ url, weight?, zone?, tags? }` objects.
 *
 * @param endpoints - at least one endpoint
 * @param option - the option path used in errors (default `endpoints`)
 * @throws ConfigError when the list is empty or an entry is invalid
 */
export function staticDiscovery(endpoints: readonly EndpointInput[], option = 'endpoints'): StaticDiscovery {
  let current = toEndpoints(endpoints, option);
  const listeners = new Set<DiscoveryListener>();
  let closed = false;
  return {
    current: () => current,
    subscribe(listener) {
      if (closed) return () => {};
      listeners.add(listener);
      listener.update(current);
      return () => listeners.delete(listener);
    },
    ready: () => Promise.resolve(),
    set(next) {
      current = toEndpoints(next, option);
      for (const listener of listeners) listener.update(current);
    },
    async close() {
      closed = true;
      listeners.clear();
    },
  };
}

import type { Discovery, DiscoveryStatus } from '../discovery/discovery.js';
import type { EndpointHealth } from '../fleet/endpoint-table.js';
import type { Fleet } from '../fleet/fleet.js';
import { matchesSelector } from '../fleet/subset-view.js';
import type { ServiceSettings } from './service-options.js';

/** One endpoint in `client.stats()` and `mesh.stats()`. */
export interface EndpointStats {
  id: string;
  url: string;
  weight: number;
  zone: string | undefined;
  /** Free-form labels from discovery (what subsets select on). */
  tags: Readonly<Record<string, string>>;
  /** `healthy`, `ejected` (breaker open) or `probing` (half-open). */
  state: EndpointHealth;
  inFlight: number;
  /**
   * Peak-EWMA latency estimate in ms as of the moment `stats()` was called: decayed for the time
   * since the last response, as load-aware balancers read it (0 before the first response, and
   * once the last is older than the staleness limit, 2 s by default).
   */
  ewmaMs: number;
  requests: number;
  failures: number;
}

/** One service in `mesh.stats()`. */
export interface ServiceStats {
  /** Its endpoints. */
  endpoints: EndpointStats[];
  /** The ids of the endpoints in each subset. */
  subsets: Record<string, string[]>;
  /** The names of its routes, in match order. */
  routes: string[];
  /** How its discovery provider is doing (`staleForMs` says how old a kept set is), when the provider reports it. */
  discovery?: DiscoveryStatus;
}

/** What `mesh.stats()` returns. */
export interface MeshStats {
  /** The active generation (0 before the first config). */
  generation: number;
  /** The active config's version. */
  version: string | undefined;
  /** Every service of the active config, by name. */
  services: Record<string, ServiceStats>;
}

/** A snapshot of every endpoint of `fleet` at clock time `now`. */
export function endpointStats(fleet: Fleet, now: number): EndpointStats[] {
  return fleet.snapshot.members.map((s) => ({
    id: s.id,
    url: s.endpoint.url,
    weight: s.endpoint.weight,
    zone: s.endpoint.zone,
    tags: s.endpoint.tags,
    state: s.health,
    inFlight: s.inFlight,
    ewmaMs: s.ewmaAt(now),
    requests: s.requests,
    failures: s.failures,
  }));
}

/** A snapshot of one service at clock time `now`: its endpoints, subsets and routes. */
export function serviceStats(settings: ServiceSettings, fleet: Fleet, discovery: Discovery, now: number): ServiceStats {
  const subsets: Record<string, string[]> = {};
  for (const [name, subset] of settings.subsets) {
    subsets[name] = fleet.snapshot.members.filter((m) => matchesSelector(m.endpoint, subset.tags)).map((m) => m.id);
  }
  const stats: ServiceStats = { endpoints: endpointStats(fleet, now), subsets, routes: settings.routes.map((r) => r.name) };
  const status = discovery.status?.();
  if (status) stats.discovery = status;
  return stats;
}

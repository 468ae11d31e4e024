import type { Cluster } from '../mesh/cluster.js';
import type { FiringAlert } from './alerts.js';

/** How a service is doing: `healthy`, `degraded` (it serves, with a problem) or `down` (it cannot serve). */
export type HealthStatus = 'healthy' | 'degraded' | 'down';

/** Why a service is not healthy. */
export interface HealthReason {
  /**
   * `no-config` (no configuration is active yet), `no-endpoints` (discovery has none),
   * `all-ejected` (every endpoint's breaker is open or probing), `discovery-stale` (discovery
   * fails; the last good set is served), `alert` (an alert rule fires: success rate, p99, ...).
   */
  readonly code: 'no-config' | 'no-endpoints' | 'all-ejected' | 'discovery-stale' | 'alert';
  /** What this reason makes of the service. */
  readonly status: Exclude<HealthStatus, 'healthy'>;
  /** A sentence for people. */
  readonly message: string;
  /** The alert rule's name, for `alert`. */
  readonly alert?: string;
}

/** One service in `health()`. */
export interface ServiceHealth {
  /** The worst status among the reasons, `healthy` when there is none. */
  readonly status: HealthStatus;
  readonly reasons: readonly HealthReason[];
}

/** What `mesh.health()` returns: ready for a readiness endpoint (`down` → 503). */
export interface MeshHealth {
  /** The worst status among the services (`down` before the first config). */
  readonly status: HealthStatus;
  /** Every service of the active config, by name. */
  readonly services: Readonly<Record<string, ServiceHealth>>;
}

const RANK: Readonly<Record<HealthStatus, number>> = { healthy: 0, degraded: 1, down: 2 };

/** The worse of two statuses. */
export function worse(a: HealthStatus, b: HealthStatus): HealthStatus {
  return RANK[b] > RANK[a] ? b : a;
}

/** A service's health from its cluster's endpoints and discovery, and its firing alerts. */
export function serviceHealth(cluster: Cluster, firing: readonly FiringAlert[]): ServiceHealth {
  const reasons: HealthReason[] = [];
  const { members } = cluster.fleet.snapshot;
  if (members.length === 0) {
    reasons.push({ code: 'no-endpoints', status: 'down', message: 'discovery has delivered no endpoints' });
  } else {
    let healthy = 0;
    let probing = 0;
    for (const member of members) {
      if (member.health === 'healthy') healthy++;
      else if (member.health === 'probing') probing++;
    }
    if (healthy === 0) {
      reasons.push({ code: 'all-ejected', status: 'down', message: `all ${members.length} endpoints are ejected by their breakers (${probing} probing)` });
    }
  }
  const staleMs = cluster.discoveryStaleMs();
  if (staleMs > 0) {
    reasons.push({ code: 'discovery-stale', status: 'degraded', message: `discovery has failed for ${Math.round(staleMs)} ms; serving the last good ${members.length} endpoints` });
  }
  for (const { rule, value } of firing) {
    reasons.push({ code: 'alert', status: rule.severity, alert: rule.name, message: `${rule.metric} is ${round(value)}, ${rule.direction} ${rule.threshold} (alert ${rule.name})` });
  }
  return { status: reasons.reduce<HealthStatus>((status, r) => worse(status, r.status), 'healthy'), reasons };
}

/** The health of a service when no configuration is active. */
export const NO_CONFIG_HEALTH: ServiceHealth = Object.freeze({
  status: 'down',
  reasons: Object.freeze([{ code: 'no-config', status: 'down', message: 'no configuration is active yet' } as const]),
});

function round(value: number): number {
  return Math.round(value * 1_000) / 1_000;
}

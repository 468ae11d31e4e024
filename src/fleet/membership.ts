import type { EndpointState } from './endpoint-state.js';
import type { FleetSnapshot, MembershipChange } from './fleet.js';

/**
 * A set of endpoints a balancer picks from: a whole fleet, or a subset view over it. Both hand
 * out immutable snapshots over the fleet's one endpoint table, so a subset's endpoints are the
 * fleet's own rows (their load and health), never copies.
 */
export interface Membership {
  /** The current members. */
  readonly snapshot: FleetSnapshot;
  /** The state of member `id`, if it is one. */
  get(id: string): EndpointState | undefined;
  /** Calls `listener` after every change of the members; returns an unsubscribe function. */
  onChange(listener: (change: MembershipChange, snapshot: FleetSnapshot) => void): () => void;
}

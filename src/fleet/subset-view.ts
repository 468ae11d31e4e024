import type { Endpoint } from './endpoint.js';
import type { EndpointState } from './endpoint-state.js';
import type { Fleet, FleetSnapshot, MembershipChange } from './fleet.js';
import type { Membership } from './membership.js';

/** A tag selector: an endpoint belongs to the subset when every listed tag has the listed value. */
export type TagSelector = Readonly<Record<string, string>>;

/** Whether `endpoint` carries every tag of `selector` with its value. */
export function matchesSelector(endpoint: Endpoint, selector: TagSelector): boolean {
  for (const key in selector) if (endpoint.tags[key] !== selector[key]) return false;
  return true;
}

/**
 * The endpoints of a fleet whose tags match a selector (`version=v2`, `zone=a`), as Consul's
 * service-resolver subsets and Envoy's subset load balancer select them. A view, not a copy: its
 * snapshots list the fleet's own endpoint states and rows over the fleet's table, so load and
 * health written for an endpoint are the same whichever subset picked it. It follows the fleet:
 * a membership change, or an endpoint whose tags changed, gives a new snapshot when the subset's
 * members changed.
 */
export class SubsetView implements Membership {
  readonly #fleet: Fleet;
  readonly #selector: TagSelector;
  #snapshot: FleetSnapshot;
  #byId = new Map<string, EndpointState>();
  readonly #listeners = new Set<(change: MembershipChange, snapshot: FleetSnapshot) => void>();
  readonly #unsubscribe: () => void;

  constructor(fleet: Fleet, selector: TagSelector) {
    this.#fleet = fleet;
    this.#selector = selector;
    this.#snapshot = { version: 0, members: Object.freeze([]), rows: new Int32Array(0), table: fleet.snapshot.table };
    this.#refresh(fleet.snapshot);
    this.#unsubscribe = fleet.onChange((change, snapshot) => this.#refresh(snapshot, change.updated));
  }

  /** The selector this view was made with. */
  get selector(): TagSelector {
    return this.#selector;
  }

  get snapshot(): FleetSnapshot {
    return this.#snapshot;
  }

  get(id: string): EndpointState | undefined {
    return this.#byId.get(id);
  }

  onChange(listener: (change: MembershipChange, snapshot: FleetSnapshot) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops following the fleet. */
  close(): void {
    this.#unsubscribe();
    this.#listeners.clear();
  }

  /** Follows a fleet change; `redescribed` are the fleet's members whose weight, zone or tags changed. */
  #refresh(fleetSnapshot: FleetSnapshot, redescribed: readonly EndpointState[] = []): void {
    const members = fleetSnapshot.members.filter((state) => matchesSelector(state.endpoint, this.#selector));
    const previous = this.#snapshot.members;
    const updated = redescribed.filter((state) => this.#byId.get(state.id) === state && matchesSelector(state.endpoint, this.#selector));
    if (updated.length === 0 && members.length === previous.length && members.every((m, i) => m === previous[i])) return;
    const byId = new Map<string, EndpointState>();
    for (const state of members) byId.set(state.id, state);
    const added = members.filter((m) => this.#byId.get(m.id) !== m);
    const removed = previous.filter((m) => byId.get(m.id) !== m);
    const rows = new Int32Array(members.length);
    for (let i = 0; i < members.length; i++) rows[i] = members[i]!.row;
    this.#byId = byId;
    this.#snapshot = Object.freeze({ version: this.#snapshot.version + 1, members: Object.freeze(members), rows, table: fleetSnapshot.table });
    const change: MembershipChange = { added, removed, updated };
    for (const listener of this.#listeners) listener(change, this.#snapshot);
  }
}

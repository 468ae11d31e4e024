import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import { sameDescription, type Endpoint } from './endpoint.js';
import { EndpointState, type HealthWriter, type LoadWriter } from './endpoint-state.js';
import { EndpointTable, type EndpointColumns } from './endpoint-table.js';

/** What changed in one membership update. */
export interface MembershipChange {
  readonly added: readonly EndpointState[];
  readonly removed: readonly EndpointState[];
  /** Endpoints that stayed but whose description (weight, zone, tags) changed. */
  readonly updated: readonly EndpointState[];
}

/** An immutable view of the fleet's membership; a new one is made on every change. */
export interface FleetSnapshot {
  /** Increases by one on every membership change. */
  readonly version: number;
  /** The members, in discovery order. Never mutated; replaced on change. */
  readonly members: readonly EndpointState[];
  /**
   * The row of each member in {@link FleetSnapshot.table}: `members[i]`'s hot state is row
   * `rows[i]` of every column. Never mutated. A row stays the endpoint's while it is a member;
   * after it leaves, a newcomer may get the row.
   */
  readonly rows: ArrayLike<number>;
  /**
   * The members' hot state (in flight, health, server back-off, latency estimate, weight, join
   * time) in columns, read-only: what built-in pickers compare per sample instead of reading the
   * state objects, because at 100 000 endpoints a pick's cost is its cache misses. The same table
   * across snapshots; its columns change in place as the load tracker and the breaker layer write.
   */
  readonly table: EndpointColumns;
}

/** Options for {@link Fleet}. */
export interface FleetOptions {
  readonly service: string;
  readonly clock: Clock;
  readonly events: EventBus;
  /** Time constant of each endpoint's latency EWMA (ms). */
  readonly ewmaTauMs: number;
  /** Age (ms) past which a latency estimate is stale and reads as no history (default {@link DEFAULTS}.ewmaStaleMs). */
  readonly ewmaStaleMs?: number;
}

/**
 * The single owner of per-endpoint state. Discovery hands it full snapshots; it diffs them by
 * endpoint id so the state of endpoints that stay survives refreshes, creates state for those
 * that join and disposes of the state of those that leave.
 */
export class Fleet {
  readonly #options: FleetOptions;
  readonly #table: EndpointTable;
  #byId = new Map<string, EndpointState>();
  #snapshot: FleetSnapshot;
  #listeners = new Set<(change: MembershipChange, snapshot: FleetSnapshot) => void>();
  /** The write capabilities over this fleet's states, each handed out once. */
  #load: LoadWriter | undefined;
  #health: HealthWriter | undefined;

  constructor(options: FleetOptions) {
    this.#options = options;
    this.#table = new EndpointTable(options.ewmaTauMs, undefined, options.ewmaStaleMs);
    this.#snapshot = this.#snapshotOf(0, []);
    const writers = EndpointState.writers();
    this.#load = writers.load;
    this.#health = writers.health;
  }

  /**
   * The capability to write the members' load (the load tracker's). Handed out once, so the fleet's
   * load has one writer; a second claim throws.
   */
  claimLoadWriter(): LoadWriter {
    const load = this.#load;
    if (!load) throw new Error(`the load writer of service '${this.#options.service}' is already claimed`);
    this.#load = undefined;
    return load;
  }

  /** The capability to write the members' health (the breaker layer's). Handed out once; a second claim throws. */
  claimHealthWriter(): HealthWriter {
    const health = this.#health;
    if (!health) throw new Error(`the health writer of service '${this.#options.service}' is already claimed`);
    this.#health = undefined;
    return health;
  }

  /** The current membership. */
  get snapshot(): FleetSnapshot {
    return this.#snapshot;
  }

  /** The state of endpoint `id`, if it is a member. */
  get(id: string): EndpointState | undefined {
    return this.#byId.get(id);
  }

  /** Calls `listener` after every membership change; returns an unsubscribe function. */
  onChange(listener: (change: MembershipChange, snapshot: FleetSnapshot) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Replaces the membership with `endpoints` (a full snapshot from discovery). Duplicate ids keep
   * the first. Returns what changed; does nothing (and returns an empty change) if nothing did.
   */
  update(endpoints: readonly Endpoint[]): MembershipChange {
    const { clock, events, service } = this.#options;
    const now = clock.now();
    // The members by id, in discovery order; a newcomer holds its endpoint until it gets a state below.
    const next = new Map<string, EndpointState | Endpoint>();
    const updated: EndpointState[] = [];
    const removed: EndpointState[] = [];
    let joining = 0;
    for (const endpoint of endpoints) {
      if (next.has(endpoint.id)) continue;
      const state = this.#byId.get(endpoint.id);
      if (state && state.endpoint.url === endpoint.url) {
        if (!sameDescription(state.endpoint, endpoint)) {
          state.redescribe(endpoint);
          updated.push(state);
        }
        next.set(endpoint.id, state);
      } else {
        // Same id at another origin is another instance: its load history does not carry over.
        if (state) removed.push(state);
        next.set(endpoint.id, endpoint);
        joining++;
      }
    }
    for (const [id, state] of this.#byId) {
      if (!next.has(id)) removed.push(state);
    }
    if (joining === 0 && removed.length === 0 && updated.length === 0 && sameOrder(next, this.#snapshot.members)) {
      return { added: [], removed, updated };
    }
    // Leavers free their rows before newcomers take rows, so that a replaced endpoint's row is
    // reused and the table keeps no free row unless the fleet shrank.
    for (const state of removed) this.#release(state);
    const added: EndpointState[] = [];
    const members: EndpointState[] = [];
    for (const [id, entry] of next) {
      let state: EndpointState;
      if (entry instanceof EndpointState) {
        state = entry;
      } else {
        state = new EndpointState(entry, this.#table, this.#table.allocate(entry.weight, now));
        next.set(id, state);
        added.push(state);
      }
      members.push(state);
    }
    const change: MembershipChange = { added, removed, updated };
    // Every entry is a state by now.
    this.#byId = next as Map<string, EndpointState>;
    this.#snapshot = this.#snapshotOf(this.#snapshot.version + 1, members);
    for (const state of removed) state.dispose();
    if (events.wants('endpoint-added')) {
      for (const state of added) events.emit('endpoint-added', { service, time: now, endpoint: state.id, url: state.endpoint.url });
    }
    if (events.wants('endpoint-removed')) {
      for (const state of removed) events.emit('endpoint-removed', { service, time: now, endpoint: state.id, url: state.endpoint.url });
    }
    for (const listener of this.#listeners) listener(change, this.#snapshot);
    return change;
  }

  /** Drops every member and listener (on client close). */
  close(): void {
    for (const state of this.#byId.values()) {
      this.#release(state);
      state.dispose();
    }
    this.#byId.clear();
    this.#snapshot = this.#snapshotOf(this.#snapshot.version + 1, []);
    this.#listeners.clear();
  }

  #snapshotOf(version: number, members: EndpointState[]): FleetSnapshot {
    const rows = new Int32Array(members.length);
    for (let i = 0; i < members.length; i++) rows[i] = members[i]!.row;
    return Object.freeze({ version, members: Object.freeze(members), rows, table: this.#table });
  }

  /** Frees the row of a state that left (the state moves to a row of its own first). */
  #release(state: EndpointState): void {
    const row = state.row;
    state.detach();
    this.#table.release(row);
  }
}

function sameOrder(next: ReadonlyMap<string, EndpointState | Endpoint>, members: readonly EndpointState[]): boolean {
  if (next.size !== members.length) return false;
  let i = 0;
  for (const entry of next.values()) if (entry !== members[i++]) return false;
  return true;
}

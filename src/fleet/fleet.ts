import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import type { Endpoint } from './endpoint.js';
import { EndpointState } from './endpoint-state.js';

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
}

/** Options for {@link Fleet}. */
export interface FleetOptions {
  readonly service: string;
  readonly clock: Clock;
  readonly events: EventBus;
  /** Time constant of each endpoint's latency EWMA (ms). */
  readonly ewmaTauMs: number;
}

/**
 * The single owner of per-endpoint state. Discovery hands it full snapshots; it diffs them by
 * endpoint id so the state of endpoints that stay survives refreshes, creates state for those
 * that join and disposes of the state of those that leave.
 */
export class Fleet {
  readonly #options: FleetOptions;
  #byId = new Map<string, EndpointState>();
  #snapshot: FleetSnapshot = Object.freeze({ version: 0, members: Object.freeze([]) });
  #listeners = new Set<(change: MembershipChange, snapshot: FleetSnapshot) => void>();

  constructor(options: FleetOptions) {
    this.#options = options;
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
    const { clock, ewmaTauMs, events, service } = this.#options;
    const now = clock.now();
    const next = new Map<string, EndpointState>();
    const added: EndpointState[] = [];
    const updated: EndpointState[] = [];
    const removed: EndpointState[] = [];
    const members: EndpointState[] = [];
    for (const endpoint of endpoints) {
      if (next.has(endpoint.id)) continue;
      let state = this.#byId.get(endpoint.id);
      if (state && state.endpoint.url !== endpoint.url) {
        // Same id at another origin is another instance: its load history does not carry over.
        removed.push(state);
        state = undefined;
      }
      if (!state) {
        state = new EndpointState(endpoint, now, ewmaTauMs);
        added.push(state);
      } else if (!sameDescription(state.endpoint, endpoint)) {
        state.redescribe(endpoint);
        updated.push(state);
      }
      next.set(endpoint.id, state);
      members.push(state);
    }
    for (const [id, state] of this.#byId) {
      if (!next.has(id)) removed.push(state);
    }
    const change: MembershipChange = { added, removed, updated };
    if (added.length === 0 && removed.length === 0 && updated.length === 0 && sameOrder(members, this.#snapshot.members)) {
      return change;
    }
    this.#byId = next;
    this.#snapshot = Object.freeze({ version: this.#snapshot.version + 1, members: Object.freeze(members) });
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
    for (const state of this.#byId.values()) state.dispose();
    this.#byId.clear();
    this.#snapshot = Object.freeze({ version: this.#snapshot.version + 1, members: Object.freeze([]) });
    this.#listeners.clear();
  }
}

function sameDescription(a: Endpoint, b: Endpoint): boolean {
  if (a.url !== b.url || a.weight !== b.weight || a.zone !== b.zone) return false;
  const ak = Object.keys(a.tags);
  const bk = Object.keys(b.tags);
  return ak.length === bk.length && ak.every((k) => a.tags[k] === b.tags[k]);
}

function sameOrder(a: readonly EndpointState[], b: readonly EndpointState[]): boolean {
  return a.length === b.length && a.every((state, i) => state === b[i]);
}

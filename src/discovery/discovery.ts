import type { Endpoint } from '../fleet/endpoint.js';

/** Receives a discovery provider's updates. */
export interface DiscoveryListener {
  /** A full, validated snapshot of the service's endpoints (not a delta). */
  update(endpoints: readonly Endpoint[]): void;
  /**
   * The provider failed to refresh. The client keeps the last good set and reports the error as a
   * `discovery-error` event; a provider never empties the fleet because its registry is down.
   */
  error(error: unknown): void;
  /**
   * The provider works again after failing: its set is confirmed fresh. `staleForMs` is how long it
   * had been failing. The client reports it as a `discovery-recovered` event.
   */
  recovered?(staleForMs: number): void;
}

/** How a provider is doing, for `mesh.stats()`. */
export interface DiscoveryStatus {
  /** Endpoints in the last good set. */
  readonly endpoints: number;
  /** `starting` (no set yet), `fresh` (the registry confirms the set) or `stale` (failing; the last good set is kept). */
  readonly state: 'starting' | 'fresh' | 'stale';
  /** How long (ms) the provider has been failing, while `stale`; otherwise 0. */
  readonly staleForMs: number;
  /** Failed refreshes or watch sessions in a row. */
  readonly failures: number;
  /** The latest failure, while `failures` > 0. */
  readonly lastError: unknown;
}

/**
 * A source of endpoints for one service. Providers: {@link staticDiscovery} (the embedded default);
 * DNS, etcd, Consul and file providers implement the same interface.
 */
export interface Discovery {
  /** The last good snapshot (empty before the first one arrives). */
  current(): readonly Endpoint[];
  /** Starts delivering snapshots to `listener`; returns a function that stops it. */
  subscribe(listener: DiscoveryListener): () => void;
  /** Resolves once the first snapshot (or the first error) has arrived. */
  ready(): Promise<void>;
  /** Stops watches and timers; the provider delivers nothing afterwards. */
  close(): Promise<void>;
  /** How the provider is doing (providers built on {@link createDiscovery} have it; a static list has not). */
  status?(): DiscoveryStatus;
}

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
}

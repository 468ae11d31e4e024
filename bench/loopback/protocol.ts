import type { BackendSpec } from '../scenario/scenario.js';

/** What a loopback backend counted during the measured window of one run. */
export interface BackendCounters {
  /** Requests received (retries included). */
  requests: number;
  /** Requests answered 503 by the error model. */
  status503: number;
  /** Connections reset by the error model. */
  resets: number;
  /** Longest FIFO queue seen. */
  maxQueue: number;
}

/** Messages from the bench to a backend process; each is answered with `{ id, data }`. */
export type ToBackends =
  | { id: number; type: 'listen'; durationMs: number; backends: { index: number; spec: BackendSpec }[] }
  | { id: number; type: 'start'; seed: number; startWallMs: number }
  | { id: number; type: 'busy' }
  | { id: number; type: 'counters' }
  | { id: number; type: 'close' };

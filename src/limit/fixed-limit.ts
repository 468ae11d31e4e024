import type { ConcurrencyLimit } from './concurrency-limit.js';

/**
 * A limit that never moves: at most `limit` attempts in flight. The baseline the adaptive
 * algorithms are compared against (a bulkhead per attempt, with no queue).
 *
 * @param limit - attempts allowed in flight (an integer >= 1)
 */
export function fixedLimit(limit: number): ConcurrencyLimit {
  return { limit, onSample: () => {} };
}

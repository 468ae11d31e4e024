import type { Reply } from '../core/call.js';
import type { Clock } from '../core/clock.js';
import { DEFAULTS } from '../defaults.js';
import { parseRetryAfter } from '../retry/retry-after.js';

/**
 * Until when (client clock ms) load-aware balancers should steer away from an endpoint that sent
 * `reply`, or `undefined` when the reply asks nothing. A 429 or 503 asks for less load: for as long
 * as its `Retry-After` header says, capped at `DEFAULTS.loadPenaltyMaxMs`, or
 * `DEFAULTS.loadPenaltyMs` without one. This is the signal linkerd's response-penalty load biasing
 * reads; the balance layer's load tracker records it on the endpoint.
 *
 * @param now - client clock time the reply arrived (ms)
 * @param clock - read for wall-clock time (an HTTP-date `Retry-After`) only when the reply asks
 */
export function backOffUntil(reply: Pick<Reply, 'status' | 'headers'>, now: number, clock: Pick<Clock, 'wallNow'>): number | undefined {
  if (reply.status !== 429 && reply.status !== 503) return undefined;
  const asked = parseRetryAfter(reply.headers['retry-after'], clock.wallNow());
  return now + Math.min(asked ?? DEFAULTS.loadPenaltyMs, DEFAULTS.loadPenaltyMaxMs);
}

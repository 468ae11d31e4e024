import type { Call, Reply } from '../core/call.js';
import { errorOutcome } from '../core/attempt-outcome.js';
import { TimeoutError } from '../core/errors.js';
import { isConnectionError } from '../retry/retryable.js';

/**
 * How one attempt's end reads to the adaptive layers (concurrency limit, throttling):
 * - `ok`: the service took the request and answered (any status but 429 and 503, or a non-overload error)
 * - `overload`: the service showed overload: a 429 or 503 reply, an attempt timeout, or a lost connection
 * - `ignore`: says nothing about the service: the caller or a hedge aborted the attempt, or a
 *   layer below refused it locally, so nothing was sent
 */
export type AttemptSignal = 'ok' | 'overload' | 'ignore';

/** Reply statuses that mean "overloaded, try less" (RFC 9110 503, RFC 6585 429). */
const OVERLOAD_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/** Reads a reply. */
export function replySignal(reply: Reply): AttemptSignal {
  return OVERLOAD_STATUSES.has(reply.status) ? 'overload' : 'ok';
}

/** Reads a failed attempt. */
export function errorSignal(call: Call, error: unknown): AttemptSignal {
  // Aborted or refused before sending: the same classification the completion seam makes.
  if (errorOutcome(call, error) !== 'failure') return 'ignore';
  if (error instanceof TimeoutError) return 'overload';
  return isConnectionError(error) ? 'overload' : 'ok';
}

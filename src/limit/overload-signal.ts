import type { Call, Reply } from '../core/call.js';
import { SwitchyardError, TimeoutError, type ErrorCode } from '../core/errors.js';
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

/** Errors raised before anything was sent: they tell nothing about the service's load. */
const LOCAL_REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'SWITCHYARD_RATE_LIMITED',
  'SWITCHYARD_CONCURRENCY_LIMITED',
  'SWITCHYARD_THROTTLED',
  'SWITCHYARD_CIRCUIT_OPEN',
  'SWITCHYARD_NO_ENDPOINTS',
  'SWITCHYARD_BULKHEAD_FULL',
  'SWITCHYARD_CLIENT_CLOSED',
  'SWITCHYARD_INVALID_REQUEST',
  'SWITCHYARD_UNREPLAYABLE_BODY',
]);

/** Reads a reply. */
export function replySignal(reply: Reply): AttemptSignal {
  return OVERLOAD_STATUSES.has(reply.status) ? 'overload' : 'ok';
}

/** Reads a failed attempt. */
export function errorSignal(call: Call, error: unknown): AttemptSignal {
  if (call.signal?.aborted) return 'ignore';
  if (error instanceof TimeoutError) return 'overload';
  if (error instanceof SwitchyardError && LOCAL_REFUSALS.has(error.code)) return 'ignore';
  return isConnectionError(error) ? 'overload' : 'ok';
}

import type { EndpointState } from '../fleet/endpoint-state.js';
import type { Call, Reply } from './call.js';
import { SwitchyardError, type ErrorCode } from './errors.js';

/**
 * How one attempt on an endpoint ended, decided once, at the completion seam, for every observer:
 * - `ok`: the endpoint answered with a status that is not a failure;
 * - `failure`: the endpoint failed: a failure status (5xx by default), a connection error, a
 *   timeout, or any other error it caused;
 * - `dropped`: the attempt never reached the endpoint: it was refused before a byte was sent
 *   (undici rejected the request as invalid, the client is closing); says nothing about the endpoint;
 * - `aborted`: the caller, or a winning hedge, aborted the attempt; says nothing about the endpoint.
 */
export type AttemptOutcomeKind = 'ok' | 'failure' | 'dropped' | 'aborted';

/** One finished attempt, as the completion seam tells its observers. */
export interface AttemptOutcome {
  readonly kind: AttemptOutcomeKind;
  /** The endpoint the attempt went to. */
  readonly endpoint: EndpointState;
  /** The attempt's call. */
  readonly call: Call;
  /** Client clock time the attempt was sent and ended (ms). */
  readonly startedAt: number;
  readonly endedAt: number;
  /** The reply, when the endpoint answered (its body not read: observers must not consume it). */
  readonly reply: Reply | undefined;
  /** The error, when the attempt failed without a reply. */
  readonly error: unknown;
}

/**
 * Something told about every attempt the completion seam runs: each attempt it is told started
 * ends exactly once. Observers run synchronously on the request path: keep them cheap, and never throw.
 */
export interface AttemptObserver {
  /** An attempt on `endpoint` is sent at clock time `now`. */
  attemptStarted?(endpoint: EndpointState, now: number): void;
  /** The attempt ended; `outcome.kind` is the one classification every observer shares. */
  attemptEnded(outcome: AttemptOutcome): void;
}

/** Errors switchyard raises before a request is sent (a layer refused it locally). */
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

/**
 * undici's errors for a request it refuses before sending anything: an invalid argument (a path
 * with a space, a bad header), an unsupported feature, a closed or destroyed pool. The caller's
 * input or the client's own state caused them, never the endpoint.
 */
const UNSENT_UNDICI_CODES: ReadonlySet<string> = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED']);

/** Whether `error` is a refusal made before anything was sent (by a switchyard layer or by undici). */
export function isLocalRefusal(error: unknown): boolean {
  if (error instanceof SwitchyardError) return LOCAL_REFUSALS.has(error.code);
  const code = error !== null && typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && UNSENT_UNDICI_CODES.has(code);
}

/** The kind of an attempt of `call` that ended with `reply`: a failure when `isFailureStatus` says so. */
export function replyOutcome(reply: Reply, isFailureStatus: (status: number) => boolean): 'ok' | 'failure' {
  return isFailureStatus(reply.status) ? 'failure' : 'ok';
}

/** The kind of an attempt of `call` that ended with `error`. */
export function errorOutcome(call: Call, error: unknown): 'failure' | 'dropped' | 'aborted' {
  if (call.signal?.aborted) return 'aborted';
  return isLocalRefusal(error) ? 'dropped' : 'failure';
}

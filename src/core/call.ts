import type { Dispatcher } from 'undici';
import { DEFAULTS } from '../defaults.js';
import type { EndpointState } from '../fleet/endpoint-state.js';

/** A request body switchyard can send: replayable bodies can be retried, a stream only once. */
export type RequestBody = string | Uint8Array | NodeJS.ReadableStream | null;

/** Outgoing headers, keys lower-cased. */
export type HeaderMap = Record<string, string>;

/** The headers of a call that has none: the transport hands undici no header object for it. */
export const NO_HEADERS: HeaderMap = Object.freeze(Object.create(null) as HeaderMap);

/**
 * One logical call as it travels down the pipeline. The top of the pipeline creates it; the retry
 * layer derives one per attempt (`attempt`, `tried`); the balance layer sets `endpoint`.
 * A middleware that changes the request passes a modified copy to `next`, it does not mutate.
 */
export interface Call {
  /** The logical service name the client was created for. */
  readonly service: string;
  /** HTTP method, upper-case. */
  readonly method: string;
  /** Path and query, starting with `/`. */
  readonly path: string;
  /** Request headers with lower-case names; values are validated (no CR/LF). */
  readonly headers: HeaderMap;
  /** The body, or null. Strings and byte arrays are replayable; a stream is not. */
  readonly body: RequestBody;
  /** The caller's abort signal, if any. */
  readonly signal: AbortSignal | undefined;
  /** Absolute deadline on the client's clock (ms), `Infinity` when there is none. */
  readonly deadline: number;
  /** The time limits the call runs under (its service's, or its route's): the transport times each attempt by `timeout.attempt`. */
  readonly timeout: CallTimeout;
  /** Attempt number within the call, 0 for the first. */
  readonly attempt: number;
  /** Ids of endpoints already tried in this call (the balance layer prefers others). */
  readonly tried: ReadonlySet<string>;
  /**
   * Told by the completion seam which endpoint each attempt of this call was picked onto (the
   * retry layer's record of its attempts); `undefined` when nothing listens.
   */
  readonly listener: AttemptListener | undefined;
  /** The endpoint chosen for this attempt (set by the balance layer). */
  readonly endpoint: EndpointState | undefined;
  /** Request key for consistent hashing (`key` option or the configured hash header). */
  readonly key: string | undefined;
  /** Whether the request may be sent more than once (idempotent method, `Idempotency-Key`, or opt-in). */
  readonly idempotent: boolean;
  /** Free-form per-call bag a custom middleware may read (never written by switchyard). */
  readonly meta: Readonly<Record<string, unknown>>;
}

/** What a layer that sends attempts learns of them from the completion seam. */
export interface AttemptListener {
  /** An attempt of the call was picked onto `endpoint` and is about to be sent (or refused by its breaker). */
  attemptPicked(endpoint: EndpointState): void;
  /**
   * The transport began writing the attempt's request to `endpoint` (undici's `onRequestStart`,
   * just before the first byte): from now on the server may have seen it. An attempt that fails
   * without this (connect refused or failed, a wait for a connection cut short, an open circuit)
   * provably never left.
   */
  requestWritten?(endpoint: EndpointState): void;
}

/** A call's time limits (ms). */
export interface CallTimeout {
  /** Time for one attempt to connect and receive its response headers. */
  readonly attempt: number;
  /** Time for the whole call (`Infinity` for none); `deadline` is its start plus this. It bounds reading the body too. */
  readonly total: number;
  /** Time to read the body, from the response headers (`Infinity` for none: only `total` bounds it). */
  readonly body: number;
}

/** The body of a reply: undici's readable, not yet consumed. */
export type ReplyBody = Dispatcher.ResponseData['body'];

/**
 * What a handler returns: status and headers, with a body that has not been read.
 * Whoever discards a reply must `body.dump()` it so the socket returns to the pool.
 */
export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: ReplyBody;
  /** The endpoint that produced it (absent for a fallback reply). */
  readonly endpoint: EndpointState | undefined;
}

/** A handler turns a call into a reply. */
export type Handler = (call: Call) => Promise<Reply>;

/**
 * A middleware wraps the rest of the pipeline: it may change the call, call `next` zero or more
 * times, and change or replace the reply. One concern each (docs/architecture.md, section 1).
 */
export type Middleware = (call: Call, next: Handler) => Promise<Reply>;

/**
 * Composes middlewares into a handler: the first listed is the outermost.
 * `compose(a, b)(terminal)` runs `a`, whose `next` runs `b`, whose `next` is `terminal`.
 */
export function compose(...middlewares: Middleware[]): (terminal: Handler) => Handler {
  return (terminal) => {
    let handler = terminal;
    for (let i = middlewares.length - 1; i >= 0; i--) {
      const mw = middlewares[i]!;
      const next = handler;
      handler = (call) => mw(call, next);
    }
    return handler;
  };
}

/** Methods RFC 9110 section 9.2.2 defines as idempotent. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Whether a body can be sent again (everything but a stream). */
export function isReplayableBody(body: RequestBody): boolean {
  return body === null || typeof body === 'string' || body instanceof Uint8Array;
}

const NO_TRIED: ReadonlySet<string> = new Set();
const NO_TIMEOUT: CallTimeout = Object.freeze({ attempt: DEFAULTS.attemptTimeoutMs, total: Infinity, body: Infinity });
const NO_META: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * A call with every field not given defaulted: `GET /`, no headers, body or signal, no deadline
 * (the default attempt timeout, no total), first attempt, nothing tried, no endpoint or key, idempotent. For driving a pipeline built with
 * {@link compose} directly, such as testing your own middleware or balancer.
 *
 * @example
 * const reply = await compose(myMiddleware)(fakeTransport)(createCall({ service: 'svc', path: '/v1/items' }));
 */
export function createCall(fields: Partial<Call> & Pick<Call, 'service'>): Call {
  return {
    method: 'GET',
    path: '/',
    headers: {},
    body: null,
    signal: undefined,
    deadline: Infinity,
    timeout: NO_TIMEOUT,
    attempt: 0,
    tried: NO_TRIED,
    listener: undefined,
    endpoint: undefined,
    key: undefined,
    idempotent: true,
    meta: NO_META,
    ...fields,
  };
}

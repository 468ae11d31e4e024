/// <reference path="./undici-body.d.ts" />
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { Readable as BodyReadable } from 'undici/lib/api/readable.js';
import type { Call, Reply, ReplyBody, RequestBody } from '../core/call.js';
import type { Clock } from '../core/clock.js';
import { TimeoutError } from '../core/errors.js';
import type { EndpointState } from '../fleet/endpoint-state.js';
import { Expiring, type AttemptTimeouts } from './attempt-timeouts.js';

const noop = (): void => {};

/** The timer lists of one transport, shared by its attempts. */
export interface AttemptTimers {
  readonly clock: Clock;
  /** Attempts waiting for their response headers (most with the attempt timeout). */
  readonly headers: AttemptTimeouts;
  /** Responses whose body is being received, in the order of their deadlines. */
  readonly bodies: AttemptTimeouts;
}

/** What ends an attempt that waits too long for its response headers. */
export interface AttemptTimeout {
  /** Time from dispatch to the response headers (ms). */
  readonly delayMs: number;
  /** The limit that sets it, reported by the {@link TimeoutError}. */
  readonly kind: 'attempt' | 'total';
  /** That limit's configured value (ms). */
  readonly limitMs: number;
}

/**
 * The undici dispatch handler of one attempt (undici's handler API: `onRequestStart`,
 * `onResponseStart`, `onResponseData`, `onResponseEnd`, `onResponseError`), and the owner of the
 * attempt's timer and of its watch on the caller's `AbortSignal`.
 *
 * It does what undici's own `request()` handler does, without what the transport does not need
 * (an `AsyncResource` scope per callback, a callback turned into a promise, a signal object with
 * its listeners): it resolves the attempt with the reply when the response headers arrive and
 * streams the body through undici's own body readable, so `Reply.body` has the API of a
 * `Pool.request` body (`text()`, `json()`, `dump()`, ...).
 *
 * - The timer (on the injected clock) runs from dispatch to the response headers, so it covers the
 *   wait in the pool's queue, the connect, the send and the wait for the headers. When it fires,
 *   the attempt rejects at once with a {@link TimeoutError} and undici aborts the request (at once
 *   if it has started it, else as soon as it would).
 * - From the headers to the end of the body, the call's deadline (`timeout.total`) and the body
 *   timeout (`timeout.body`), whichever comes first, bound the body: at that time it is destroyed
 *   with a {@link TimeoutError} of kind `'total'` or `'body'`, which the reader sees.
 * - The caller's abort rejects the attempt at once the same way before the headers; after them it
 *   destroys the body being read, with the signal's reason. The handler follows the signal until
 *   undici is done with the request (the body closed, or the request failed).
 */
export class AttemptHandler extends Expiring implements Dispatcher.DispatchHandler {
  readonly #endpoint: EndpointState;
  readonly #call: Call;
  readonly #timers: AttemptTimers;
  readonly #resolve: (reply: Reply) => void;
  readonly #reject: (error: unknown) => void;
  #requestBody: RequestBody;
  /** `waiting` for the headers, `streaming` the body, `done` once undici is done with the request. */
  #state: 'waiting' | 'streaming' | 'done' = 'waiting';
  /** Set when the attempt was aborted before undici started the request. */
  #aborted: { reason: unknown } | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #body: ReplyBody | undefined;
  readonly #timeout: AttemptTimeout;
  /** Whether the body's deadline is the body timeout's rather than the call's. */
  #bodyLimited = false;
  #caller: AbortSignal | undefined;
  #onCallerAbort: (() => void) | undefined;

  /**
   * Arms the attempt's timer and follows `caller`; dispatch the request with this handler next.
   *
   * @param call - the attempt, its endpoint picked; its body, if a stream, is destroyed when the
   *   attempt fails, as undici's `request()` does; its signal, if any, is not yet aborted
   * @param timers - the transport's timer lists
   * @param timeout - the time allowed until the response headers
   * @param now - the clock's current time (ms)
   */
  constructor(call: Call, timers: AttemptTimers, timeout: AttemptTimeout, now: number, resolve: (reply: Reply) => void, reject: (error: unknown) => void) {
    super();
    this.#endpoint = call.endpoint!;
    this.#call = call;
    this.#requestBody = call.body;
    this.#timers = timers;
    this.#timeout = timeout;
    this.#resolve = resolve;
    this.#reject = reject;
    timers.headers.add(this, timeout.delayMs, now);
    const caller = call.signal;
    if (caller) {
      this.#caller = caller;
      this.#onCallerAbort = () => this.#abort(caller.reason);
      caller.addEventListener('abort', this.#onCallerAbort);
    }
  }

  /**
   * The timeout elapsed before the response headers (the attempt fails with a {@link TimeoutError}),
   * or the body's deadline before its end (the body errors with one).
   */
  expire(): void {
    if (this.#state === 'streaming') {
      const { timeout } = this.#call;
      this.#abort(this.#bodyLimited ? new TimeoutError('body', timeout.body) : new TimeoutError('total', timeout.total));
      return;
    }
    const { kind, limitMs } = this.#timeout;
    this.#abort(new TimeoutError(kind, limitMs));
  }

  /** Undici is about to write the request: from now on the server may have seen it (the call's listener is told). */
  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.#aborted) controller.abort(this.#aborted.reason as Error);
    else {
      this.#controller = controller;
      this.#call.listener?.requestWritten?.(this.#endpoint);
    }
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200 || this.#state !== 'waiting') return;
    this.#state = 'streaming';
    this.#timers.headers.remove(this);
    this.#armBodyDeadline();
    const contentLength = headers['content-length'];
    const body = new BodyReadable({
      resume: () => controller.resume(),
      abort: (reason) => controller.abort(reason as Error),
      contentType: headers['content-type'],
      contentLength: this.#call.method !== 'HEAD' && contentLength ? Number(contentLength) : null,
    });
    this.#body = body;
    // The caller's signal can cancel the body until it closes (read to the end or destroyed).
    if (this.#caller) body.on('close', () => this.#done());
    this.#resolve({ status: statusCode, headers, body, endpoint: this.#endpoint });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#body?.push(chunk) === false) controller.pause();
  }

  onResponseEnd(): void {
    // The whole body has arrived: reading what is buffered is no longer bounded.
    this.#timers.bodies.remove(this);
    this.#body?.push(null);
    if (!this.#caller) this.#done();
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    const body = this.#body;
    this.#body = undefined;
    if (this.#state === 'waiting') this.#reject(error);
    else if (body) {
      // As undici's request(): the data already pushed is handled before the body errors.
      queueMicrotask(() => body.on('error', noop).destroy(error));
    }
    const requestBody = this.#requestBody;
    if (requestBody !== null && typeof requestBody === 'object' && 'pipe' in requestBody) {
      this.#requestBody = null;
      const stream = requestBody as NodeJS.ReadableStream & { destroy?: (error?: Error) => void };
      stream.on('error', noop);
      stream.destroy?.(error);
    }
    this.#done();
  }

  /** Rejects a waiting attempt at once with `reason` and has undici abort its request. */
  #abort(reason: unknown): void {
    if (this.#state === 'waiting') {
      this.#reject(reason);
      this.#done();
      // Before undici starts the request there is no controller yet: onRequestStart aborts it.
      if (this.#controller) this.#controller.abort(reason as Error);
      else this.#aborted = { reason };
    } else if (this.#state === 'streaming') {
      const body = this.#body;
      this.#body = undefined;
      if (body && !body.destroyed) body.on('error', noop).destroy(reason as Error);
      this.#done();
    }
  }

  /** Bounds the body by the call's deadline or the body timeout, whichever comes first. */
  #armBodyDeadline(): void {
    const { deadline, timeout } = this.#call;
    let at = deadline;
    if (timeout.body !== Infinity) {
      const byBody = this.#timers.clock.now() + timeout.body;
      if (byBody < at) {
        at = byBody;
        this.#bodyLimited = true;
      }
    }
    if (at !== Infinity) this.#timers.bodies.addAt(this, at);
  }

  /** Undici is done with the request, or the attempt no longer cares: let go of the timer and the signal. */
  #done(): void {
    if (this.#state === 'done') return;
    // The entry is in the list of the phase it is in.
    (this.#state === 'streaming' ? this.#timers.bodies : this.#timers.headers).remove(this);
    this.#state = 'done';
    const caller = this.#caller;
    if (caller) {
      this.#caller = undefined;
      caller.removeEventListener('abort', this.#onCallerAbort!);
    }
  }
}

import { STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import { Agent, Dispatcher, Dispatcher1Wrapper } from 'undici';
import type { Client, ResponseData } from '../mesh/client-api.js';
import type { HeaderMap } from '../core/call.js';
import { InvalidRequestError } from '../core/errors.js';
import { normalizeHeaders, type HeadersInput } from '../http/headers.js';
import { pipelineBody, type DispatchBody } from './request-body.js';

/** Options of `mesh.dispatcher()`. */
export interface MeshDispatcherOptions {
  /**
   * Where requests to hosts that are not services of the mesh go, unchanged (default: a new
   * undici `Agent`, closed with this dispatcher).
   */
  fallback?: Dispatcher;
}

/** What the dispatcher needs from its mesh. */
export interface DispatchTarget {
  /** Whether `host` (lower-cased) names a service of the active config. */
  serves(host: string): boolean;
  /** A client of `service`. */
  client(service: string): Client;
}

/** undici's adapter from the handlers of older undici (Node's bundled `fetch`) to today's; present at run time, not in the types. */
const wrapHandler = (Dispatcher1Wrapper as unknown as { wrapHandler(handler: object): Dispatcher.DispatchHandler }).wrapHandler;

/**
 * An undici `Dispatcher` in front of a mesh: a request whose host names a service of the mesh
 * (`http://payments/v1/x`) goes through that service's whole pipeline (routes, retries, the
 * balancer, breakers, spans, metrics); any other goes to the fallback dispatcher unchanged.
 * For `setGlobalDispatcher(mesh.dispatcher())` or `fetch(url, { dispatcher })`; takes the
 * handlers of undici 7 (Node's bundled `fetch`) and 8.
 *
 * `fetch` keeps its own semantics: it follows redirects (each hop is dispatched again, so a
 * relative redirect stays in the mesh), decodes the body and reports errors as
 * `TypeError('fetch failed')` with switchyard's error as its `cause`.
 */
export class MeshDispatcher extends Dispatcher {
  readonly #target: DispatchTarget;
  readonly #fallback: Dispatcher;
  readonly #ownsFallback: boolean;
  readonly #clients = new Map<string, Client>();
  #closed: Promise<void> | undefined;

  constructor(target: DispatchTarget, options: MeshDispatcherOptions = {}) {
    super();
    this.#target = target;
    this.#ownsFallback = options.fallback === undefined;
    this.#fallback = options.fallback ?? new Agent();
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const host = hostOf(options.origin);
    const wrapped = wrapHandler(handler);
    if (host === undefined || !this.#target.serves(host)) return this.#fallback.dispatch(options, wrapped);
    let client = this.#clients.get(host);
    if (!client) this.#clients.set(host, (client = this.#target.client(host)));
    void new MeshExchange(wrapped).run(client, options);
    return true;
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    this.#closed ??= this.#ownsFallback ? this.#fallback.close() : Promise.resolve();
    if (!callback) return this.#closed;
    void this.#closed.then(callback);
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(errOrCallback?: Error | null | (() => void), callback?: () => void): Promise<void> | void {
    const done = typeof errOrCallback === 'function' ? errOrCallback : callback;
    const err = typeof errOrCallback === 'function' ? null : (errOrCallback ?? null);
    this.#closed ??= this.#ownsFallback ? this.#fallback.destroy(err) : Promise.resolve();
    if (!done) return this.#closed;
    void this.#closed.then(done);
  }
}

function hostOf(origin: string | URL | undefined): string | undefined {
  if (origin === undefined) return undefined;
  try {
    return (typeof origin === 'string' ? new URL(origin) : origin).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * One request through the mesh, told to an undici handler: `onRequestStart`, then
 * `onResponseStart`, the body's chunks with back-pressure (`controller.pause()` pauses the
 * body), `onResponseEnd`; or `onResponseError` once, for a pipeline error or an abort.
 */
class MeshExchange implements Dispatcher.DispatchController {
  readonly #handler: Dispatcher.DispatchHandler;
  readonly #abort = new AbortController();
  #body: ResponseData['body'] | undefined;
  #paused = false;
  #settled = false;
  #reason: Error | null = null;

  constructor(handler: Dispatcher.DispatchHandler) {
    this.#handler = handler;
  }

  get aborted(): boolean {
    return this.#abort.signal.aborted;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get reason(): Error | null {
    return this.#reason;
  }

  abort(reason: Error): void {
    if (this.#abort.signal.aborted) return;
    this.#reason = reason;
    this.#abort.abort(reason);
    this.#body?.destroy(reason);
    this.#fail(reason);
  }

  pause(): void {
    this.#paused = true;
    this.#body?.pause();
  }

  resume(): void {
    this.#paused = false;
    this.#body?.resume();
  }

  async run(client: Client, options: Dispatcher.DispatchOptions): Promise<void> {
    try {
      this.#handler.onRequestStart?.(this, {});
      if (this.aborted) return;
      if (options.upgrade) throw new InvalidRequestError(`switchyard does not carry upgrades (${String(options.upgrade)}) to mesh services`);
      const headers = dispatchHeaders(options.headers);
      const given = pipelineBody(options.body as DispatchBody, headers);
      // Only a body read into memory is awaited: the common bodiless request goes on at once.
      const body = given instanceof Promise ? await given : given;
      if (this.aborted) return;
      const reply = await client.request({ method: options.method, path: options.path, headers, body, signal: this.#abort.signal });
      if (this.aborted) {
        reply.body.destroy();
        return;
      }
      this.#stream(reply);
    } catch (error) {
      this.#fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #stream(reply: ResponseData): void {
    const body = reply.body;
    this.#body = body;
    const headers: IncomingHttpHeaders = {};
    for (const [name, value] of Object.entries(reply.headers)) if (value !== undefined) headers[name] = value;
    this.#handler.onResponseStart?.(this, reply.statusCode, headers, STATUS_CODES[reply.statusCode]);
    if (this.aborted) return;
    body.on('data', (chunk: Buffer) => this.#handler.onResponseData?.(this, chunk));
    body.once('end', () => {
      if (this.#settled) return;
      this.#settled = true;
      this.#handler.onResponseEnd?.(this, {});
    });
    body.once('error', (error: Error) => this.#fail(error));
    if (this.#paused) body.pause();
    else body.resume();
  }

  #fail(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#handler.onResponseError?.(this, error);
  }
}

/** The dispatch options' headers (an object, a flat `[name, value, ...]` array or an iterable of pairs) as a header map. */
function dispatchHeaders(headers: Dispatcher.DispatchOptions['headers']): HeaderMap {
  if (headers === undefined || headers === null) return normalizeHeaders(undefined);
  if (Array.isArray(headers) && (headers.length === 0 || !Array.isArray(headers[0]))) {
    const pairs: [string, string][] = [];
    for (let i = 0; i + 1 < headers.length; i += 2) pairs.push([String(headers[i]), String(headers[i + 1])]);
    return normalizeHeaders(pairs);
  }
  if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function' && !Array.isArray(headers)) {
    return normalizeHeaders([...(headers as Iterable<[string, string]>)].map(([k, v]) => [String(k), String(v)] as [string, string]));
  }
  return normalizeHeaders(headers as HeadersInput);
}

import type { Client, RequestOptions, ResponseData } from './client-api.js';
import { IDEMPOTENT_METHODS, NO_HEADERS, type Call, type HeaderMap, type Reply, type RequestBody } from '../core/call.js';
import { ClientClosedError, InvalidRequestError, NoEndpointsError } from '../core/errors.js';
import type { ClientEventListener, ClientEventName, ClientEvents, EventBus } from '../core/events.js';
import type { RuntimeSettings } from '../client-options.js';
import { fromFetchArgs, type CallOptions, type FetchInit, type FetchParts } from '../http/fetch-request.js';
import { toResponse } from '../http/fetch-response.js';
import { actsOnRedirect, redirectRequest, requestUrl } from '../http/redirect.js';
import { normalizeHeaders } from '../http/headers.js';
import { checkMethod, checkRequestPath } from '../http/request-target.js';
import type { ServiceHealth } from '../health/health.js';
import type { CompiledService, Generation } from './generation.js';
import { endpointStats, type EndpointStats } from './stats.js';

const NO_ENDPOINTS_TRIED: ReadonlySet<string> = new Set();
const NO_META: Readonly<Record<string, unknown>> = Object.freeze({});

const noop = (): void => {};
const toResponseData = (reply: Reply): ResponseData => ({ statusCode: reply.status, headers: reply.headers, body: reply.body, endpoint: reply.endpoint?.id });

/** What a client needs from the mesh it runs on. */
export interface MeshRuntime {
  readonly runtime: RuntimeSettings;
  readonly events: EventBus;
  readonly active: Generation | undefined;
  readonly closed: boolean;
  generation(): Promise<Generation>;
  /** The health of `service`: see `mesh.health()`. */
  serviceHealth(service: string): ServiceHealth;
  close(): Promise<void>;
}

/**
 * A client of one service of a mesh: `mesh.client(service)`, or what `createClient` returns
 * (which owns its one-service mesh and closes it). Each call starts on the mesh's active
 * generation and keeps it until it settles.
 *
 * @param owner - whether closing the client closes the mesh
 */
export function createClientOf(mesh: MeshRuntime, service: string, owner: boolean): Client {
  return new ServiceClient(mesh, service, owner);
}

class ServiceClient implements Client {
  readonly service: string;
  readonly #key: string;
  readonly #mesh: MeshRuntime;
  readonly #owner: boolean;
  /** Listeners this client added, removed when it closes. */
  readonly #listeners = new Set<() => void>();
  /** The filtering wrapper of each listener added through `on()`, so `off()` finds it. */
  readonly #filtered = new WeakMap<object, object>();
  #closed: Promise<void> | undefined;

  constructor(mesh: MeshRuntime, service: string, owner: boolean) {
    this.#mesh = mesh;
    this.service = service;
    this.#key = service.toLowerCase();
    this.#owner = owner;
  }

  async fetch(input: string | URL | Request, init?: FetchInit): Promise<Response> {
    this.#assertOpen();
    return this.#fetch(await fromFetchArgs(input, init, this.service), init, 0);
  }

  /**
   * Sends one request of a fetch, and each redirect it follows (`redirects` so far) as a call of
   * its own through the pipeline (retries, timeouts, a new pick), as the global fetch sends a new
   * request per redirect.
   */
  #fetch(parts: FetchParts, init: FetchInit | undefined, redirects: number): Promise<Response> {
    return this.#send(parts.method, parts.path, parts.headers, parts.body, parts.signal, init, (reply): Response | Promise<Response> => {
      if (actsOnRedirect(reply.status, parts.redirect)) {
        let next: FetchParts | undefined;
        try {
          next = redirectRequest(this.service, reply.status, reply.headers.location, parts, parts.redirect, redirects);
        } catch (error) {
          reply.body.dump().catch(noop);
          throw error;
        }
        if (next) {
          // The redirect's own body is read off (or the socket dropped) so the connection is free.
          reply.body.dump().catch(noop);
          return this.#fetch(next, init, redirects + 1);
        }
      }
      const origin = { method: parts.method, signal: parts.signal, url: requestUrl(this.service, parts.path), redirected: redirects > 0 };
      return toResponse(reply.status, reply.headers, reply.body, origin);
    });
  }

  request(options: RequestOptions): Promise<ResponseData> {
    // Not async: one promise less per call. What throws here is returned as a rejection.
    try {
      this.#assertOpen();
      if (options === null || typeof options !== 'object' || typeof options.path !== 'string') {
        throw new InvalidRequestError('request() needs an options object with a string path');
      }
      const method = options.method === undefined ? 'GET' : options.method.toUpperCase();
      const path = options.path.startsWith('/') ? options.path : `/${options.path}`;
      checkRequestPath(path);
      const headers = options.headers === undefined ? NO_HEADERS : normalizeHeaders(options.headers);
      return this.#send(method, path, headers, options.body ?? null, options.signal, options, toResponseData);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  stats(): EndpointStats[] {
    const entry = this.#mesh.active?.services.get(this.#key);
    return entry ? endpointStats(entry.cluster.fleet, this.#mesh.runtime.clock.now()) : [];
  }

  health(): ServiceHealth {
    return this.#mesh.serviceHealth(this.service);
  }

  on<K extends ClientEventName>(event: K, listener: ClientEventListener<K>): () => void {
    if (this.#owner) return this.#mesh.events.on(event, listener);
    // A client of a shared mesh hears its own service's events and the mesh's config events.
    const service = this.service;
    const filtered = ((e: ClientEvents[K]) => {
      if (!('service' in e) || e.service === service) listener(e);
    }) as ClientEventListener<K>;
    this.#filtered.set(listener, filtered);
    const off = this.#mesh.events.on(event, filtered);
    const remove = (): void => {
      off();
      this.#listeners.delete(remove);
    };
    this.#listeners.add(remove);
    return remove;
  }

  off<K extends ClientEventName>(event: K, listener: ClientEventListener<K>): void {
    this.#mesh.events.off(event, (this.#filtered.get(listener) as ClientEventListener<K> | undefined) ?? listener);
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      for (const remove of [...this.#listeners]) remove();
      if (this.#owner) await this.#mesh.close();
    })();
    return this.#closed;
  }

  /**
   * Sends one logical call down the active generation's pipeline for the service and maps its
   * reply with `map`; waits for the mesh's first config, or discovery's first answer, if need be.
   */
  #send<T>(
    method: string,
    path: string,
    headers: HeaderMap,
    body: RequestBody,
    signal: AbortSignal | undefined,
    options: CallOptions | undefined,
    map: (reply: Reply) => T | PromiseLike<T>,
  ): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    checkMethod(method);
    const generation = this.#mesh.active;
    if (!generation) {
      if (this.#mesh.closed) return Promise.reject(new ClientClosedError(this.service));
      return this.#mesh.generation().then((g) => this.#sendOn(g, method, path, headers, body, signal, options, map));
    }
    return this.#sendOn(generation, method, path, headers, body, signal, options, map);
  }

  #sendOn<T>(
    generation: Generation,
    method: string,
    path: string,
    headers: HeaderMap,
    body: RequestBody,
    signal: AbortSignal | undefined,
    options: CallOptions | undefined,
    map: (reply: Reply) => T | PromiseLike<T>,
  ): Promise<T> {
    const entry = generation.services.get(this.#key);
    if (!entry) {
      const known = [...generation.services.values()].map((s) => s.settings.service).join(', ');
      return Promise.reject(new NoEndpointsError(this.service, `the active configuration has no such service (it has: ${known || 'none'})`));
    }
    generation.enter();
    let reply: Promise<Reply>;
    try {
      reply =
        entry.cluster.fleet.snapshot.members.length === 0
          ? entry.cluster.discovery.ready().then(() => entry.handle(this.#call(entry, method, path, headers, body, signal, options)))
          : entry.handle(this.#call(entry, method, path, headers, body, signal, options));
    } catch (error) {
      reply = Promise.reject(error);
    }
    return reply.then(
      (r) => {
        generation.leave();
        return map(r);
      },
      (error: unknown) => {
        generation.leave();
        throw error;
      },
    );
  }

  #call(
    entry: CompiledService,
    method: string,
    path: string,
    headers: HeaderMap,
    body: RequestBody,
    signal: AbortSignal | undefined,
    options: CallOptions | undefined,
  ): Call {
    const { hashHeader } = entry.settings;
    const timeout = entry.timeout;
    return {
      service: this.service,
      method,
      path,
      headers,
      body,
      signal,
      deadline: this.#mesh.runtime.clock.now() + timeout.total,
      timeout,
      attempt: 0,
      tried: NO_ENDPOINTS_TRIED,
      listener: undefined,
      endpoint: undefined,
      key: options?.key ?? (hashHeader === undefined ? undefined : headers[hashHeader]),
      idempotent: options?.idempotent ?? (IDEMPOTENT_METHODS.has(method) || headers['idempotency-key'] !== undefined),
      meta: options?.meta ?? NO_META,
    };
  }

  #assertOpen(): void {
    if (this.#closed || this.#mesh.closed) throw new ClientClosedError(this.service);
  }
}

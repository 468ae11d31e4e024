import { parseClientOptions, type ClientOptions } from './client-options.js';
import type { ReplyBody, RequestBody } from './core/call.js';
import type { ClientEventListener, ClientEventName } from './core/events.js';
import type { CallOptions, FetchInit } from './http/fetch-request.js';
import type { HeadersInput } from './http/headers.js';
import { SwitchyardMesh } from './mesh/mesh.js';
import { createClientOf } from './mesh/service-client.js';
import type { EndpointStats } from './mesh/stats.js';

export type { EndpointStats };

/** Options of {@link Client.request}, undici's `request` options plus {@link CallOptions}. */
export interface RequestOptions extends CallOptions {
  /** Path and query, starting with `/`. */
  path: string;
  /** HTTP method (default `GET`). */
  method?: string;
  /** Request headers. */
  headers?: HeadersInput;
  /** Request body: string or bytes (replayable) or a Node stream (sent once). */
  body?: RequestBody;
  /** Aborts the call. */
  signal?: AbortSignal;
}

/** What {@link Client.request} resolves to: undici's response shape plus the endpoint that served it. */
export interface ResponseData {
  /** HTTP status code. */
  statusCode: number;
  /** Response headers, names lower-cased. */
  headers: Record<string, string | string[] | undefined>;
  /** The body; read it (`text()`, `json()`, iterate) or `dump()` it so the socket is reused. */
  body: ReplyBody;
  /** Id of the endpoint that produced the response. */
  endpoint: string | undefined;
}

/** A client for one service: see {@link createClient} and `mesh.client()`. */
export interface Client {
  /** The service name. */
  readonly service: string;
  /** Sends a request like the global `fetch` and resolves to a WHATWG `Response`. */
  fetch(input: string | URL | Request, init?: FetchInit): Promise<Response>;
  /** Sends a request with undici-style options; the fastest path. */
  request(options: RequestOptions): Promise<ResponseData>;
  /** A snapshot of every endpoint's state. */
  stats(): EndpointStats[];
  /** Listens to a lifecycle event; returns a function that removes the listener. */
  on<K extends ClientEventName>(event: K, listener: ClientEventListener<K>): () => void;
  /** Removes a listener added with {@link Client.on}. */
  off<K extends ClientEventName>(event: K, listener: ClientEventListener<K>): void;
  /**
   * `createClient`'s client: closes pools, breakers, discovery watches and timers. A client from
   * `mesh.client()`: removes its listeners (the mesh's clusters stay until `mesh.close()`).
   * Calls made afterwards reject.
   */
  close(): Promise<void>;
}

/**
 * Creates a client for one service: every call goes through discovery, a load-balancer pick,
 * per-endpoint state and the undici transport, inside an OpenTelemetry span. It is a mesh of one
 * service (see `createMesh`), so it takes the same subsets and routes.
 *
 * @example
 * const payments = createClient({ service: 'payments', endpoints: ['http://127.0.0.1:8081'] });
 * const res = await payments.fetch('/v1/charges', { method: 'POST', body });
 * await payments.close();
 *
 * @throws ConfigError naming the option and the bad value
 */
export function createClient(options: ClientOptions): Client {
  const { service, runtime } = parseClientOptions(options);
  const mesh = new SwitchyardMesh(runtime, new Map());
  mesh.applySettings({ version: undefined, services: new Map([[service.service.toLowerCase(), service]]) }, options);
  return createClientOf(mesh, service.service, true);
}

import type { ReplyBody, RequestBody } from '../core/call.js';
import type { ClientEventListener, ClientEventName } from '../core/events.js';
import type { CallOptions, FetchInit } from '../http/fetch-request.js';
import type { HeadersInput } from '../http/headers.js';
import type { ServiceHealth } from '../health/health.js';
import type { EndpointStats } from './stats.js';

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

/** A client for one service: see `createClient` and `mesh.client()`. */
export interface Client {
  /** The service name. */
  readonly service: string;
  /** Sends a request like the global `fetch` and resolves to a WHATWG `Response`. */
  fetch(input: string | URL | Request, init?: FetchInit): Promise<Response>;
  /** Sends a request with undici-style options; the fastest path. */
  request(options: RequestOptions): Promise<ResponseData>;
  /** A snapshot of every endpoint's state. */
  stats(): EndpointStats[];
  /** The service's health: `healthy`, `degraded` or `down`, with the reasons (see `mesh.health()`). */
  health(): ServiceHealth;
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

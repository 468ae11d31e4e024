import { Readable } from 'node:stream';
import type { HeaderMap, RequestBody } from '../core/call.js';
import { InvalidRequestError } from '../core/errors.js';
import { ACCEPT_ENCODING } from './content-decoding.js';
import { normalizeHeaders } from './headers.js';
import { toPath } from './request-target.js';

/** Extra per-call options switchyard reads from the fetch `init` (or from `request()` options). */
export interface CallOptions {
  /** Key for consistent-hashing balancers (overrides the `hashHeader`). */
  key?: string;
  /** Opt in (or out) of retries for this call, whatever the method. */
  idempotent?: boolean;
  /** Free-form values for custom middleware (`call.meta`). */
  meta?: Record<string, unknown>;
}

/** The second argument of `client.fetch`: the global fetch's `RequestInit` plus {@link CallOptions}. */
export type FetchInit = RequestInit & CallOptions;

/** The fetch `redirect` modes: follow a redirect, hand back the 3xx, or fail. */
export type RedirectMode = 'follow' | 'manual' | 'error';

/** The parts of a call that come from the caller's fetch arguments. */
export interface FetchParts {
  readonly method: string;
  readonly path: string;
  readonly headers: HeaderMap;
  readonly body: RequestBody;
  readonly signal: AbortSignal | undefined;
  /** What to do with a redirect (`init.redirect`, else the `Request`'s; default `'follow'`). */
  readonly redirect: RedirectMode;
}

const REDIRECT_MODES: ReadonlySet<string> = new Set(['follow', 'manual', 'error']);

/**
 * Reads `fetch(input, init)` arguments into call parts. Strings, byte arrays, `Blob`,
 * `URLSearchParams` and `FormData` bodies become replayable bytes or text (with the content type
 * fetch would set); a `ReadableStream` or Node stream stays a one-shot stream. Without an
 * `accept-encoding` header, the codings the response decoder undoes are asked for, as fetch does.
 *
 * @throws InvalidRequestError for a bad URL, header, body or `redirect` mode
 */
export async function fromFetchArgs(input: string | URL | Request, init: FetchInit | undefined, service: string): Promise<FetchParts> {
  const isRequest = typeof input === 'object' && input !== null && !(input instanceof URL) && typeof (input as Request).arrayBuffer === 'function';
  const request = isRequest ? (input as Request) : undefined;
  const path = toPath(request ? request.url : (input as string | URL), service);
  const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
  const headers = normalizeHeaders(init?.headers ?? request?.headers);
  headers['accept-encoding'] ??= ACCEPT_ENCODING;
  const redirect = init?.redirect ?? request?.redirect ?? 'follow';
  if (!REDIRECT_MODES.has(redirect)) {
    throw new InvalidRequestError(`redirect must be "follow", "manual" or "error", got ${JSON.stringify(redirect)}`);
  }
  let body: RequestBody = null;
  if (init?.body !== undefined && init.body !== null) {
    body = await toBody(init.body, headers);
  } else if (request?.body) {
    body = Readable.fromWeb(request.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }
  if (body !== null && (method === 'GET' || method === 'HEAD')) {
    throw new InvalidRequestError(`A ${method} request cannot have a body`);
  }
  return { method, path, headers, body, signal: init?.signal ?? request?.signal ?? undefined, redirect };
}

async function toBody(body: BodyInit | NodeJS.ReadableStream, headers: HeaderMap): Promise<RequestBody> {
  if (typeof body === 'string') {
    headers['content-type'] ??= 'text/plain;charset=UTF-8';
    return body;
  }
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ReadableStream) return Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
  if (typeof (body as NodeJS.ReadableStream).pipe === 'function') return body as NodeJS.ReadableStream;
  if (body instanceof Blob || body instanceof URLSearchParams || body instanceof FormData) {
    // Let the platform serialise it exactly as fetch would, content type included.
    const encoded = new Response(body);
    const type = encoded.headers.get('content-type');
    if (type && headers['content-type'] === undefined) headers['content-type'] = type;
    return new Uint8Array(await encoded.arrayBuffer());
  }
  throw new InvalidRequestError(`Unsupported request body of type ${Object.prototype.toString.call(body)}`);
}

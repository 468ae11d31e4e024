import type { Readable } from 'node:stream';
import type { ReplyBody } from '../core/call.js';
import { decodeBody } from './content-decoding.js';
import { toWebStream } from './web-body.js';

// Statuses whose responses have no body (Fetch standard "null body status").
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/** How the `Response` came about: what the Fetch standard keeps beside status, headers and body. */
export interface ResponseOrigin {
  /** The request method (a HEAD response has no body). */
  readonly method: string;
  /** The caller's signal: its reason is what a body it aborts errors with. */
  readonly signal: AbortSignal | undefined;
  /** The URL of the last request (`Response.url`): `http://<service><path>`. */
  readonly url: string;
  /** Whether a redirect was followed to get here (`Response.redirected`). */
  readonly redirected: boolean;
}

/**
 * A `Response` that knows its URL and whether it was redirected, which the `Response` constructor
 * cannot set. Getters over private fields: an own property defined per response (what the global
 * fetch's internal state gives) cost about as much as building the `Response` itself.
 */
class ServiceResponse extends Response {
  readonly #url: string;
  readonly #redirected: boolean;

  constructor(body: ReadableStream<Uint8Array> | null, init: ResponseInit, origin: ResponseOrigin) {
    super(body, init);
    this.#url = origin.url;
    this.#redirected = origin.redirected;
  }

  override get url(): string {
    return this.#url;
  }

  override get redirected(): boolean {
    return this.#redirected;
  }
}

/**
 * Builds a WHATWG `Response` straight from undici's reply, streaming the body (never buffering
 * it whole) and decoding its `Content-Encoding` as the global `fetch` does ({@link decodeBody}).
 * A body the Response cannot carry (HEAD, 204, 304) is dumped so the socket is reused.
 * Its `url` and `redirected` come from `origin`.
 */
export function toResponse(status: number, rawHeaders: Record<string, string | string[] | undefined>, body: ReplyBody, origin: ResponseOrigin): Response {
  const headers = new Headers();
  for (const name in rawHeaders) {
    const value = rawHeaders[name];
    if (value === undefined) continue;
    if (typeof value === 'string') headers.append(name, value);
    else for (const v of value) headers.append(name, v);
  }
  if (origin.method === 'HEAD' || NULL_BODY_STATUS.has(status)) {
    body.dump().catch(() => {});
    return new ServiceResponse(null, { status, headers }, origin);
  }
  return new ServiceResponse(toWebStream(decoded(body, rawHeaders['content-encoding']), origin.signal), { status, headers }, origin);
}

function decoded(body: ReplyBody, contentEncoding: string | string[] | undefined): Readable {
  const readable = body as unknown as Readable;
  try {
    return decodeBody(readable, contentEncoding);
  } catch (error) {
    // A response that cannot be decoded at all: its body errors for the reader, as fetch's would.
    // (toWebStream turns the failure into the reader's TypeError: terminated.)
    readable.on('error', () => {}).destroy(error as Error);
    return readable;
  }
}

import type { ReplyBody } from '../core/call.js';
import { toWebStream } from './web-body.js';

// Statuses whose responses have no body (Fetch standard "null body status").
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/**
 * Builds a WHATWG `Response` straight from undici's reply, streaming the body (never buffering
 * it whole); `signal` is the caller's, whose abort reason a body cut short by it errors with. A body the Response cannot carry (HEAD, 204, 304) is dumped so the socket is reused.
 */
export function toResponse(status: number, rawHeaders: Record<string, string | string[] | undefined>, body: ReplyBody, method: string, signal?: AbortSignal): Response {
  const headers = new Headers();
  for (const name in rawHeaders) {
    const value = rawHeaders[name];
    if (value === undefined) continue;
    if (typeof value === 'string') headers.append(name, value);
    else for (const v of value) headers.append(name, v);
  }
  if (method === 'HEAD' || NULL_BODY_STATUS.has(status)) {
    body.dump().catch(() => {});
    return new Response(null, { status, headers });
  }
  return new Response(toWebStream(body, signal), { status, headers });
}

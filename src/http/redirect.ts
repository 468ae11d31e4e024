import { isReplayableBody, type HeaderMap } from '../core/call.js';
import { RedirectOutsideServiceError } from '../core/errors.js';
import { withoutUserinfo } from '../telemetry/redact-url.js';
import type { FetchParts, RedirectMode } from './fetch-request.js';
import { toPath } from './request-target.js';

/** Redirects fetch follows at most, as the Fetch standard's "redirect count is 20". */
export const MAX_REDIRECTS = 20;

/** The Fetch standard's redirect statuses. */
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Headers that describe a request body, dropped with the body when a redirect turns the request into a GET. */
const REQUEST_BODY_HEADERS = ['content-encoding', 'content-language', 'content-location', 'content-type', 'content-length'];

/** Whether `client.fetch` must act on a reply of `status` (follow it, or fail in `'error'` mode) rather than return it. */
export function actsOnRedirect(status: number, mode: RedirectMode): boolean {
  return mode !== 'manual' && REDIRECT_STATUSES.has(status);
}

/** The URL `client.fetch` reports for a request of `service` (`Response.url`). */
export function requestUrl(service: string, path: string): string {
  return `http://${service}${path}`;
}

/**
 * What `client.fetch` sends next for a redirect reply, by the Fetch standard's "HTTP-redirect
 * fetch" (undici's `httpRedirectFetch` is the reference):
 *
 * - no `Location`: `undefined`, the redirect is the response;
 * - `'error'` mode, a `Location` that does not parse or is not http(s), a 21st redirect, or a
 *   redirect other than 303 of a request whose body was a stream, which cannot be sent again:
 *   a `TypeError('fetch failed')` whose `cause` says why, as the global `fetch` rejects;
 * - a `Location` outside the service (another host, port or scheme, or with credentials):
 *   {@link RedirectOutsideServiceError} naming it, credentials removed. It is never followed, so a
 *   request's `authorization`, `cookie` and `proxy-authorization` never reach another origin;
 * - otherwise the next request: 301/302 of a POST and 303 of anything but GET/HEAD become a GET
 *   without body or body headers; 307/308 keep method and body; every other header stays (same origin).
 *
 * @param count - redirects followed so far
 * @throws TypeError or RedirectOutsideServiceError, as above
 */
export function redirectRequest(
  service: string,
  status: number,
  location: string | string[] | undefined,
  parts: FetchParts,
  mode: RedirectMode,
  count: number,
): FetchParts | undefined {
  if (mode === 'error') throw fetchFailed('unexpected redirect');
  if (location === undefined) return undefined;
  const current = requestUrl(service, parts.path);
  let url: URL;
  try {
    url = new URL(typeof location === 'string' ? location : location.join(', '), current);
  } catch (error) {
    throw fetchFailed(error);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw fetchFailed('URL scheme must be a HTTP(S) scheme');
  if (count >= MAX_REDIRECTS) throw fetchFailed('redirect count exceeded');
  if (url.origin !== new URL(current).origin || url.username || url.password) {
    throw new RedirectOutsideServiceError(service, status, withoutUserinfo(url.href));
  }
  const toGet = ((status === 301 || status === 302) && parts.method === 'POST') || (status === 303 && parts.method !== 'GET' && parts.method !== 'HEAD');
  if (status !== 303 && !isReplayableBody(parts.body)) {
    throw fetchFailed('a redirect cannot send a streamed request body again');
  }
  // The path goes through the same checks as the caller's own (no network-path reference or dot-segment).
  const path = toPath(url, service);
  if (!toGet) return { ...parts, path };
  const headers: HeaderMap = Object.assign(Object.create(null) as HeaderMap, parts.headers);
  for (const name of REQUEST_BODY_HEADERS) delete headers[name];
  return { ...parts, method: 'GET', path, headers, body: null };
}

/** The global fetch's rejection for a network error: `TypeError: fetch failed` with the reason as its cause. */
function fetchFailed(reason: unknown): TypeError {
  return new TypeError('fetch failed', { cause: reason instanceof Error ? reason : new Error(String(reason)) });
}

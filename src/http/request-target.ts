import { InvalidRequestError } from '../core/errors.js';
import { withoutUserinfo } from '../telemetry/redact-url.js';
import { TOKEN } from './headers.js';

/** A path a server reads as it is: no dot-segment, percent sign, backslash or character URL parsing would change. */
const PLAIN_PATH = /^\/(?!\/)[\w\-.~!$&'()*+,;=:@/?]*$/;
/** What undici refuses in a request target (lib/core/request.js): controls, space, and non-Latin-1. */
const INVALID_TARGET = /[^\u0021-\u00ff]/;
/** In the path part (before `?`): a backslash, a dot-segment, or a percent-encoded dot, slash or backslash. */
const SUSPICIOUS_PATH = /^[^?]*?(?:\\|\/\.\.?(?:[/?]|$)|%(?:2e|2f|5c))/i;
/** Dot-segments, and an encoded one (`..%2f`): a segment whose decoded form holds a `.` or `..` between slashes. */
const DOT_SEGMENT = /(?:^|[/\\])\.\.?(?:[/\\]|$)/;
/** A path whose first segment starts with an encoded slash or backslash (`/%2fevil`): a network-path reference once decoded. */
const ENCODED_NETWORK_PATH = /^\/%(?:2f|5c)/i;

/**
 * Turns what a caller passed to `client.fetch` as the URL into a path for the service: a path
 * (`/v1/items?x=1`), or an absolute URL whose host is the service name (`http://payments/v1/items`).
 * The path is normalised as the global `fetch` would (WHATWG URL parsing: spaces and other
 * characters percent-encoded, dot-segments resolved, `\` read as `/`), then refused if it could
 * still mean something else to a proxy or a framework: a network-path reference (`//evil/x`,
 * `/\evil`, `/%2fevil`, also after normalisation) or an encoded dot-segment (`/a/..%2f..%2fetc`).
 *
 * @throws InvalidRequestError when an absolute URL names another host or scheme, carries
 *   credentials, or the path is refused; no message quotes the credentials
 */
export function toPath(target: string | URL, service: string): string {
  if (typeof target === 'string') {
    if (PLAIN_PATH.test(target) && !target.includes('/.')) return target;
    if (target.startsWith('//') || target.startsWith('/\\') || target.startsWith('\\')) throw networkPath(target);
    if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(target)) {
      const url = parsed(target.startsWith('/') ? target : `/${target}`, RELATIVE_BASE);
      // URL parsing drops tabs and newlines, which can turn `/\t/evil` into `//evil`: another host.
      if (url.origin !== RELATIVE_BASE) throw networkPath(target);
      return checkedPath(url);
    }
  }
  const url = typeof target === 'string' ? parsed(target) : target;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidRequestError(`Request URL ${JSON.stringify(withoutUserinfo(url.href))} is not http(s)`);
  }
  if (url.username || url.password) {
    throw new InvalidRequestError(`Request URL ${JSON.stringify(withoutUserinfo(url.href))} carries credentials, which are never sent: put them in a header`);
  }
  if (url.hostname !== service.toLowerCase()) {
    throw new InvalidRequestError(
      `Request URL ${JSON.stringify(withoutUserinfo(url.href))} names host "${url.hostname}", but this client serves "${service}": pass a path or an http://${service}/... URL`,
    );
  }
  return checkedPath(url);
}

/**
 * Checks a `client.request` path, which is sent as it is (as undici's `request` sends it): it must
 * not be a network-path reference (`//host/x`, `/\host`, `/%2fhost`), hold a backslash, a
 * dot-segment or an encoded one in its path part, or a character undici would refuse (space,
 * controls). Checked before the pipeline, so a bad path never reaches, or counts against, an endpoint.
 *
 * @throws InvalidRequestError naming what is wrong
 */
export function checkRequestPath(path: string): void {
  // Most paths are plain: one test instead of four.
  if (PLAIN_PATH.test(path) && !path.includes('/.')) return;
  if (INVALID_TARGET.test(path)) {
    throw new InvalidRequestError(`Request path ${JSON.stringify(withoutUserinfo(path))} holds a space, a control or a non-Latin-1 character: percent-encode it`);
  }
  if (path.charCodeAt(1) === 0x2f || path.charCodeAt(1) === 0x5c || ENCODED_NETWORK_PATH.test(path)) throw networkPath(path);
  if (SUSPICIOUS_PATH.test(path)) {
    const q = path.indexOf('?');
    const pathPart = q === -1 ? path : path.slice(0, q);
    if (pathPart.includes('\\')) {
      throw new InvalidRequestError(`Request path ${JSON.stringify(withoutUserinfo(path))} holds a backslash, which servers and proxies read as "/"`);
    }
    refuseDotSegments(pathPart, path);
  }
}

/**
 * Checks a request method: an RFC 9110 token (`GET`, `PURGE`), so a space or CR LF in it cannot
 * rewrite the request line. Checked before the pipeline, so nothing is sent.
 *
 * @throws InvalidRequestError naming the method
 */
export function checkMethod(method: string): void {
  if (!STANDARD_METHODS.has(method) && !TOKEN.test(method)) throw new InvalidRequestError(`Invalid request method ${JSON.stringify(method)}: not an RFC 9110 token`);
}

/** The RFC 9110 methods and PATCH: tokens, known without a test. */
const STANDARD_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

const RELATIVE_BASE = 'http://switchyard.invalid';

function parsed(target: string, base?: string): URL {
  try {
    return new URL(target, base);
  } catch {
    throw new InvalidRequestError(`Invalid request URL ${JSON.stringify(withoutUserinfo(target))}`);
  }
}

/** The normalised path and query of `url`, refused if normalising left a network-path reference or an encoded dot-segment. */
function checkedPath(url: URL): string {
  const path = `${url.pathname}${url.search}`;
  if (path.startsWith('//') || ENCODED_NETWORK_PATH.test(path)) throw networkPath(path);
  if (url.pathname.includes('%')) refuseDotSegments(url.pathname, path);
  return path;
}

function refuseDotSegments(pathPart: string, path: string): void {
  for (const segment of pathPart.split('/')) {
    const decoded = segment.includes('%') ? decodeSafe(segment) : segment;
    if (DOT_SEGMENT.test(`/${decoded}/`)) {
      throw new InvalidRequestError(
        `Request path ${JSON.stringify(withoutUserinfo(path))} holds a dot-segment ("${segment}"), which could reach outside the path it names`,
      );
    }
  }
}

function networkPath(path: string): InvalidRequestError {
  return new InvalidRequestError(
    `Request path ${JSON.stringify(withoutUserinfo(path))} starts with "//", "/\\" or an encoded slash: a network-path reference that proxies and frameworks resolve to another host`,
  );
}


function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

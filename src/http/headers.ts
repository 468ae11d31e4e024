import type { HeaderMap } from '../core/call.js';
import { InvalidRequestError } from '../core/errors.js';

/** Header input as fetch and undici accept it. */
export type HeadersInput = HeadersInit | Record<string, string | readonly string[] | undefined>;

/** RFC 9110 section 5.6.2 token characters: a header name or a method. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// CR, LF and NUL end a header line early: a value holding one could smuggle a header or a request.
const UNSAFE_VALUE = /[\r\n\0]/;

/**
 * Normalises headers into a plain map with lower-case names, rejecting any name that is not a
 * token and any value containing CR, LF or NUL before a byte is written. Repeated headers are
 * joined with `, ` (RFC 9110 section 5.3).
 *
 * @throws InvalidRequestError naming the header
 */
export function normalizeHeaders(input: HeadersInput | undefined): HeaderMap {
  const out: HeaderMap = Object.create(null) as HeaderMap;
  if (input === undefined || input === null) return out;
  if (typeof (input as Headers).forEach === 'function' && !Array.isArray(input)) {
    (input as Headers).forEach((value, name) => add(out, name, value));
  } else if (Array.isArray(input)) {
    for (const pair of input as readonly (readonly string[])[]) {
      if (pair.length !== 2) throw new InvalidRequestError(`Header pair must have a name and a value, got ${pair.length} items`);
      add(out, pair[0]!, pair[1]!);
    }
  } else {
    for (const name of Object.keys(input)) {
      const value = (input as Record<string, string | readonly string[] | undefined>)[name];
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const v of value) add(out, name, v);
      else add(out, name, value as string);
    }
  }
  return out;
}

function add(out: HeaderMap, rawName: string, rawValue: unknown): void {
  if (typeof rawName !== 'string' || !TOKEN.test(rawName)) {
    throw new InvalidRequestError(`Invalid header name ${JSON.stringify(rawName)}: not an RFC 9110 token`);
  }
  const value = String(rawValue);
  if (UNSAFE_VALUE.test(value)) {
    throw new InvalidRequestError(`Invalid value for header "${rawName}": it contains CR, LF or NUL, which could split the request`);
  }
  const name = rawName.toLowerCase();
  const existing = out[name];
  out[name] = existing === undefined ? value.trim() : `${existing}, ${value.trim()}`;
}

/**
 * Query parameters whose values are replaced by `REDACTED` in `url.full` and in error messages,
 * compared case-insensitively: the OpenTelemetry HTTP semantic conventions' list (signed-URL
 * credentials of AWS, Azure and Google Cloud) and common names of secrets in query strings.
 * `createClient({ redactQueryParams })` replaces it for spans.
 */
export const SENSITIVE_QUERY_PARAMS: readonly string[] = Object.freeze([
  'AWSAccessKeyId',
  'Signature',
  'sig',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
  'X-Goog-Credential',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'api_key',
  'apikey',
  'key',
  'password',
  'secret',
  'client_secret',
]);

/** Replaces the values of the query parameters named in `names` (case-insensitive) in a path by `REDACTED`. */
export type PathRedactor = (path: string) => string;

/** A {@link PathRedactor} for `names` (compared case-insensitively, after percent-decoding). */
export function queryRedactor(names: readonly string[]): PathRedactor {
  const sensitive = new Set(names.map((n) => n.toLowerCase()));
  return (path) => {
    const q = path.indexOf('?');
    if (q === -1 || sensitive.size === 0) return path;
    const end = path.indexOf('#', q);
    const query = end === -1 ? path.slice(q + 1) : path.slice(q + 1, end);
    const params = query.split('&');
    let changed = false;
    for (let i = 0; i < params.length; i++) {
      const p = params[i]!;
      const eq = p.indexOf('=');
      const key = decodeSafe((eq === -1 ? p : p.slice(0, eq)).replaceAll('+', ' ')).toLowerCase();
      if (eq !== -1 && sensitive.has(key)) {
        params[i] = `${p.slice(0, eq)}=REDACTED`;
        changed = true;
      }
    }
    return changed ? `${path.slice(0, q)}?${params.join('&')}` : path;
  };
}

/** The default {@link PathRedactor}, for error messages. */
export const redactedPath: PathRedactor = queryRedactor(SENSITIVE_QUERY_PARAMS);

/**
 * Builds `url.full` for a span: origin plus path, with sensitive query values redacted
 * (by `redact`, default {@link redactedPath}). Endpoint origins never carry credentials (refused at config time).
 */
export function redactedUrl(origin: string, path: string, redact: PathRedactor = redactedPath): string {
  return origin + redact(path);
}

/**
 * A URL (or what was meant as one) fit to print: userinfo (`user:password@`) removed, and
 * sensitive query values redacted. A string that does not parse loses everything between its
 * scheme's `//` and its last `@`, which may be more than the userinfo, never less.
 */
export function withoutUserinfo(url: string): string {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*:)?\/\//.exec(url);
  if (!scheme) return redactedPath(url);
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = '';
      parsed.password = '';
      return redactedPath(parsed.href);
    }
    return redactedPath(url);
  } catch {
    // Not a URL: fall through to the textual strip.
  }
  const at = url.lastIndexOf('@');
  return redactedPath(at > scheme[0].length ? scheme[0] + url.slice(at + 1) : url);
}

/**
 * `value` fit to keep in an error: every string in it (in arrays and plain objects too, to a depth
 * of 5) passed through {@link withoutUserinfo}; anything else is returned as it is.
 */
export function withoutCredentials(value: unknown, depth = 5): unknown {
  if (typeof value === 'string') return withoutUserinfo(value);
  if (depth === 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v: unknown) => withoutCredentials(v, depth - 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = Object.create(proto);
  for (const key of Object.keys(value)) {
    // Defined, not assigned: a `__proto__` key stays data.
    Object.defineProperty(out, key, { value: withoutCredentials((value as Record<string, unknown>)[key], depth - 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Query parameters whose values the OpenTelemetry HTTP semantic conventions ask to redact from
 * `url.full` (signed-URL credentials).
 */
const SENSITIVE_QUERY_KEYS = new Set(['awsaccesskeyid', 'signature', 'sig', 'x-goog-signature']);

/**
 * Builds `url.full` for a span: origin plus path, with the values of sensitive query parameters
 * replaced by `REDACTED`. Endpoint origins never carry credentials (validated at config time).
 */
export function redactedUrl(origin: string, path: string): string {
  const q = path.indexOf('?');
  if (q === -1) return origin + path;
  const params = path.slice(q + 1).split('&');
  let changed = false;
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    const eq = p.indexOf('=');
    const key = decodeURIComponentSafe(eq === -1 ? p : p.slice(0, eq)).toLowerCase();
    if (eq !== -1 && SENSITIVE_QUERY_KEYS.has(key)) {
      params[i] = `${p.slice(0, eq)}=REDACTED`;
      changed = true;
    }
  }
  return origin + (changed ? `${path.slice(0, q)}?${params.join('&')}` : path);
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

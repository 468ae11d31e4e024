/** RFC 9110 section 10.2.3: delay-seconds is one or more digits. */
const DELAY_SECONDS = /^\d+$/;

/**
 * Reads a `Retry-After` header (RFC 9110 section 10.2.3) as a delay in milliseconds from
 * `wallNow` (ms since the epoch): either delay-seconds (`120`) or an HTTP-date
 * (`Wed, 21 Oct 2015 07:28:00 GMT`; a date in the past gives 0). Returns `undefined` when the
 * header is absent or malformed. A repeated header uses its first value.
 *
 * @example
 * parseRetryAfter('2', clock.wallNow()); // 2000
 */
export function parseRetryAfter(value: string | readonly string[] | undefined, wallNow: number): number | undefined {
  const raw = typeof value === 'string' ? value : value?.[0];
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (DELAY_SECONDS.test(text)) return Number(text) * 1_000;
  // An HTTP-date always names a day or month; refusing digit-only or empty text keeps Date.parse
  // from reading a bare number as a year.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - wallNow);
}

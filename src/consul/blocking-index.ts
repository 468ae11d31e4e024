/**
 * The index rules of Consul's blocking queries ("Blocking Queries", Consul API documentation,
 * implementation details): every reply carries `X-Consul-Index`; the next query asks to wait for
 * a change past it. A reply with the same index is a timeout (or a write that changed nothing);
 * an index that went backwards (a snapshot restore, a new cluster) resets the wait to 0 so the
 * next query answers at once; an index below 1 is raised to 1.
 */

/** The index to send next, and whether the reply may carry a change. */
export interface NextIndex {
  readonly index: bigint;
  readonly changed: boolean;
}

/**
 * Applies the rules to a reply's `X-Consul-Index` header, given the index the query waited on
 * (0n for the first query).
 * @throws Error when the header is missing or not an integer (the endpoint does not block, or a proxy stripped it)
 */
export function nextIndex(previous: bigint, header: unknown): NextIndex {
  const text = Array.isArray(header) ? header[0] : header;
  if (typeof text !== 'string' || !/^\d+$/.test(text)) throw new Error(`the reply has no usable X-Consul-Index header (${JSON.stringify(header)})`);
  const index = BigInt(text);
  if (index < previous) return { index: 0n, changed: true };
  // The first reply (previous 0n) always carries the state.
  return { index: index < 1n ? 1n : index, changed: previous === 0n || index !== previous };
}

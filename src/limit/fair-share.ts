/**
 * Splits `capacity` among clients by their demand, as Google's Doorman does for a shared
 * resource: max-min fairness first (water-filling: clients are served in order of demand, each
 * getting `min(demand, capacity left / clients left)`, so no one who wants less than an equal
 * share is cut, and what they leave goes to those who want more), then any capacity still spare
 * (total demand below capacity) is handed out in proportion to demand (equally when no one
 * wants anything), so every client has headroom to grow into and the shares always sum to
 * `capacity`.
 *
 * The Redis store runs the same algorithm in its Lua script; both are tested on the same cases.
 *
 * @param demands - what each client wants (tokens per second, >= 0)
 * @param capacity - the quota to split (tokens per second)
 * @returns each client's share, in the order of `demands`
 */
export function fairShare(demands: readonly number[], capacity: number): number[] {
  const n = demands.length;
  const order = demands.map((_, i) => i).sort((a, b) => demands[a]! - demands[b]!);
  const shares = new Array<number>(n).fill(0);
  let left = capacity;
  let remaining = n;
  for (const i of order) {
    const give = Math.min(demands[i]!, left / remaining);
    shares[i] = give;
    left -= give;
    remaining--;
  }
  if (left > 0 && n > 0) {
    const total = demands.reduce((a, b) => a + b, 0);
    for (let i = 0; i < n; i++) shares[i]! += total > 0 ? (left * demands[i]!) / total : left / n;
  }
  return shares;
}

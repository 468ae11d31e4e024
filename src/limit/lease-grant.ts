import { fairShare } from './fair-share.js';

/** One client in a quota's split, as a {@link QuotaStore} keeps it. */
export interface LeaseHolder {
  /** Tokens per second it last asked for. */
  readonly demand: number;
  /** Tokens per second it was last granted: what it may be using now. */
  readonly granted: number;
}

/**
 * The share a quota store grants one client, so that the shares in force never sum to more than
 * the quota, even while they are refreshed one client at a time (Doorman's leases):
 *
 * - normally, the client's fair share of the whole split (see {@link fairShare}), but never more
 *   than the quota minus what the others were last granted and may still be using: a share that
 *   grows waits for the others' shares to shrink at their own next report;
 * - while the store is learning (it has just started, or lost its state, for instance Redis
 *   restarted empty), the store does not know what the processes that have not reported yet
 *   hold, so it grants a client no more than it `held` before the report (the share it was running
 *   on, such as its fallback), again within what the others were granted.
 *
 * The Redis store's Lua script computes the same thing; both are tested on the same cases.
 *
 * @param holders - every client in the split, this one included, with what it was last granted
 * @param self - this client's index in `holders`
 * @param capacity - the quota (tokens per second)
 * @param learning - whether the store is in its learning period
 * @param held - the share this client was running on when it reported
 * @returns the share to grant (tokens per second, >= 0)
 */
export function leaseGrant(holders: readonly LeaseHolder[], self: number, capacity: number, learning: boolean, held: number): number {
  let others = 0;
  for (let i = 0; i < holders.length; i++) if (i !== self) others += holders[i]!.granted;
  const want = learning ? held : fairShare(holders.map((h) => h.demand), capacity)[self]!;
  return Math.max(0, Math.min(want, capacity - others));
}

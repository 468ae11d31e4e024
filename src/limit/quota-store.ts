/** One demand report to a {@link QuotaStore}. */
export interface DemandReport {
  /** The quota's name: every process sharing one quota uses the same key. */
  readonly key: string;
  /** This process's id, unique among those sharing the quota. */
  readonly client: string;
  /** Tokens per second this process asked for over the last interval, refused ones included. */
  readonly demand: number;
  /** The global quota (tokens per second). */
  readonly quota: number;
  /** A client that has not reported for this long (ms) no longer takes part in the split. */
  readonly ttlMs: number;
  /** The share this process was running on when it reported (tokens per second): its last grant, or its fallback. */
  readonly held: number;
  /**
   * How long (ms) after the store starts a quota afresh (first report, or its state was lost) it
   * only grants what each process already `held`, until every live process has reported once.
   */
  readonly learnMs: number;
}

/** What a {@link QuotaStore} answers: this process's share and how many take part. */
export interface QuotaGrant {
  /** Tokens per second this process may use until its next report. */
  readonly share: number;
  /** Clients taking part in the split, this one included. */
  readonly clients: number;
}

/**
 * Where processes sharing a quota meet: each reports its demand about once a second and gets its
 * share back in the same round trip (see {@link leaseGrant} for the rule that keeps the shares in
 * force within the quota, and {@link fairShare} for the split). `switchyard/redis`
 * ships `redisQuotaStore` (one Lua script per report); {@link memoryQuotaStore} shares a quota
 * among clients in one process. A store may be slow or fail: {@link SharedQuota} never waits on
 * it on the request path, and times each report out.
 */
export interface QuotaStore {
  /** Records the demand and returns this client's share. */
  report(report: DemandReport): Promise<QuotaGrant>;
  /** Removes a client from the split at once (it is closing). */
  leave(key: string, client: string): Promise<void>;
  /** Releases what the store opened (a connection it created). */
  close(): Promise<void>;
}

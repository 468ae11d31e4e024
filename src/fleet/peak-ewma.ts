/**
 * A peak-sensitive, time-decayed moving average of latency, as in Finagle's `PeakEwma`
 * (and linkerd2-proxy's `PeakEwma`): a sample above the current cost replaces it at once (the
 * peak), a lower one is blended in with weight `1 - exp(-Δt / τ)`, so the estimate reacts to a
 * slowdown within one request and forgets it over the time constant τ.
 *
 * Read with {@link decayedPeakEwma}, the estimate also decays toward zero while no sample arrives,
 * as Finagle and tower do when they read the load, so an endpoint that lost its traffic after a
 * slow spell becomes cheap again and is probed. Finagle and tower store that decay on every read;
 * here reads change nothing (a balancer only reads, docs/architecture.md, section 4), so the stored cost
 * and a sample's blend are the same whether or not anyone looked in between.
 *
 * Decay alone brings a recovered endpoint back too slowly: at τ = 10 s an estimate of 150 ms
 * takes about 40 s to decay below its peers' 2–3 ms, and an endpoint nobody picks gets no sample
 * to correct it. So an estimate whose last sample is older than a staleness limit (2 s by
 * default, {@link isStalePeakEwma}) is no longer evidence: it reads as no history, which
 * load-aware balancers treat as free while idle and last while a request is out (Finagle's rule
 * for a new endpoint), so the endpoint gets one probe, and that probe's sample is taken as it is.
 * A slow endpoint then costs one probe per staleness limit; a recovered one is back after one.
 *
 * The estimate is two numbers, the cost and the time of the last sample (its stamp), kept by the
 * fleet in its endpoint table's columns; these functions are the arithmetic on them.
 */

/**
 * Whether the estimate last sampled at `stamp` says nothing any more at `now`: no sample for
 * longer than `staleMs` (always true before the first sample, whose stamp is `-Infinity`).
 */
export function isStalePeakEwma(stamp: number, now: number, staleMs: number): boolean {
  return stamp === -Infinity || now - stamp > staleMs;
}

/**
 * The cost (ms) after folding in a latency sample of `latencyMs` observed at `now`, given the
 * `cost` as of the previous sample at `stamp`. The new stamp is `now`. Before the first sample the
 * stamp is `-Infinity`: infinitely long ago, so the old cost has no weight and the first sample
 * is taken as it is; so is the first sample after the estimate went stale.
 *
 * @param tauMs - decay time constant in ms (Finagle's default is 10 s)
 * @param staleMs - the staleness limit (ms), see {@link isStalePeakEwma}
 */
export function observePeakEwma(cost: number, stamp: number, latencyMs: number, now: number, tauMs: number, staleMs: number): number {
  if (latencyMs > cost || isStalePeakEwma(stamp, now, staleMs)) return latencyMs;
  const w = Math.exp(-Math.max(now - stamp, 0) / tauMs);
  return cost * w + latencyMs * (1 - w);
}

/**
 * The estimate (ms) at `now`: `cost` decayed by `exp(-(now - stamp) / τ)` for the time since its
 * last sample at `stamp`, or 0 once it is stale (as before the first sample).
 */
export function decayedPeakEwma(cost: number, stamp: number, now: number, tauMs: number, staleMs: number): number {
  const elapsed = now - stamp;
  if (elapsed > staleMs) return 0;
  return elapsed > 0 ? cost * Math.exp(-elapsed / tauMs) : cost;
}

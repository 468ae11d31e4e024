import type { EndpointColumns } from '../fleet/endpoint-table.js';
import { decayedPeakEwma, isStalePeakEwma } from '../fleet/peak-ewma.js';

/**
 * A load metric: what a load-aware balancer minimises, before it divides by the endpoint's
 * effective weight. Reads row `row` of the fleet's endpoint table at clock time `now`; never
 * writes it.
 */
export type LoadMetric = (table: EndpointColumns, row: number, now: number) => number;

/**
 * Outstanding requests plus one: Envoy's least-request cost with weights
 * (`(active + 1) / weight`, `active_request_bias` 1). The `+ 1` makes an idle endpoint's weight
 * count, so a slow-starting endpoint is not flooded just because it is idle.
 */
export const requestLoad: LoadMetric = (table, row) => table.inFlight[row]! + 1;

/**
 * Finagle's load for an endpoint with no latency history and requests outstanding, large enough
 * to rank it after every measured endpoint (Finagle's `PeakEwma` uses `Long.MaxValue >> 16`).
 */
const NO_HISTORY_PENALTY = 2 ** 47;

/**
 * Peak-EWMA load, as in Finagle's `PeakEwma` balancer and linkerd: the latency estimate (decayed
 * toward zero since the last sample) times `(inFlight + 1)`. An endpoint without history costs 0
 * while idle, so it is probed at once, and a huge penalty while its first requests are out, so a
 * new endpoint is not buried under requests before anyone knows its latency. A stale estimate
 * (no sample for `ewmaStaleMs`) counts as no history, so an endpoint that lost its traffic while
 * slow or failing gets one probe and, once fast again, its share back.
 */
export const latencyLoad: LoadMetric = (table, row, now) => {
  const inFlight = table.inFlight[row]!;
  const stamp = table.ewmaStamp[row]!;
  const staleMs = table.ewmaStaleMs;
  if (isStalePeakEwma(stamp, now, staleMs)) return inFlight === 0 ? 0 : NO_HISTORY_PENALTY + inFlight;
  return decayedPeakEwma(table.ewmaCost[row]!, stamp, now, table.ewmaTauMs, staleMs) * (inFlight + 1);
};

/**
 * Whether the server asked the endpoint in row `row` for less load at `now` (it answered 429 or
 * 503; the balance layer records how long for). Load-aware pickers rank such an endpoint after
 * every endpoint that did not ask, as linkerd's response-penalty load biasing steers peak-EWMA
 * away from endpoints that answer 429 and 503, before a breaker has to open.
 */
export function isBackingOff(table: EndpointColumns, row: number, now: number): boolean {
  return table.penaltyPending[row] === 1 && table.loadPenaltyUntil[row]! > now;
}

import type { Balancer } from './balancer.js';
import { scanningSettings, type ScanningBalancerOptions } from './balancer-options.js';
import { LeastLoadedScanPicker } from './least-loaded-scan.js';
import { latencyLoad } from './load.js';

/**
 * Least response time: each pick scans for the available member with the lowest expected
 * response time, its latency EWMA times `(inFlight + 1)` per unit of weight (nginx Plus's
 * `least_time` weighs average latency with active connections the same way). It uses the same
 * estimate and the same no-history rule as {@link peakEwma}, but looks at every member instead of
 * two random ones: the best choice by the current estimates, at O(n) per pick, and prone to
 * herding when many clients chase the same fastest endpoint. Fleets larger than `maxScan`
 * (default 128) are sampled.
 *
 * @param options - `slowStart` to ramp new endpoints; `maxScan` to bound the scan
 * @throws ConfigError for invalid options
 */
export function leastResponseTime(options?: ScanningBalancerOptions): Balancer {
  const settings = scanningSettings(options, 'leastResponseTime');
  return {
    name: 'least-response-time',
    build(snapshot, { clock, rng }) {
      return new LeastLoadedScanPicker(snapshot, latencyLoad, settings, clock, rng);
    },
  };
}

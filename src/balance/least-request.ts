import type { Balancer } from './balancer.js';
import { scanningSettings, type ScanningBalancerOptions } from './balancer-options.js';
import { LeastLoadedScanPicker } from './least-loaded-scan.js';
import { requestLoad } from './load.js';

/**
 * Least request: each pick scans for the available member with the fewest outstanding requests
 * per unit of weight (`(inFlight + 1) / weight`, as Envoy's least-request computes it; members the
 * server asked to back off come last), like nginx's `least_conn`; ties rotate round-robin. The
 * honest baseline for load-aware strategies: it sees every member, at O(n) per pick. Fleets larger
 * than `maxScan` (default 128) are sampled instead; `maxScan: Infinity` always scans all.
 *
 * @param options - `slowStart` to ramp new endpoints; `maxScan` to bound the scan
 * @throws ConfigError for invalid options
 */
export function leastRequest(options?: ScanningBalancerOptions): Balancer {
  const settings = scanningSettings(options, 'leastRequest');
  return {
    name: 'least-request',
    build(snapshot, { clock, rng }) {
      return new LeastLoadedScanPicker(snapshot, requestLoad, settings, clock, rng);
    },
  };
}

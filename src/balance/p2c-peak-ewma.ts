import type { Balancer } from './balancer.js';
import { weightedSettings, type WeightedBalancerOptions } from './balancer-options.js';
import { latencyLoad } from './load.js';
import { TwoChoicesPicker } from './two-choices.js';

/**
 * Peak-EWMA (Finagle's `Balancers.p2cPeakEwma`, linkerd's default): the power of two choices on
 * `latency × (inFlight + 1)`, where latency is each endpoint's peak-sensitive EWMA (a slower
 * response replaces the estimate at once, faster ones blend in with time constant τ, 10 s by
 * default, and the estimate decays toward zero while the endpoint gets no traffic, so it is
 * probed again). An endpoint without history costs nothing while idle and a huge penalty while
 * its first requests are out, as in Finagle. Steers traffic off an endpoint within a request of
 * it slowing down; O(1) per pick.
 *
 * @param options - `slowStart` to ramp new endpoints (see {@link SlowStartOptions})
 * @throws ConfigError for invalid options
 */
export function peakEwma(options?: WeightedBalancerOptions): Balancer {
  const settings = weightedSettings(options, 'peakEwma');
  return {
    name: 'peak-ewma',
    build(snapshot, { clock, rng }) {
      return new TwoChoicesPicker(snapshot, latencyLoad, settings, clock, rng);
    },
  };
}

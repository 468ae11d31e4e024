import type { Balancer } from './balancer.js';
import { weightedSettings, type WeightedBalancerOptions } from './balancer-options.js';
import { requestLoad } from './load.js';
import { TwoChoicesPicker } from './two-choices.js';

/**
 * Power of two choices on in-flight requests (Mitzenmacher 2001; Finagle's `P2C` and Envoy's
 * least-request with `choice_count` 2): each pick samples two distinct members at random and takes
 * the available one, then the one not backing off after a 429/503, then the one with fewer
 * outstanding requests per unit of weight (`(inFlight + 1) / weight`, Envoy's formula). O(1) per
 * pick at any fleet size; the default choice for load-aware balancing without latency history.
 *
 * @param options - `slowStart` to ramp new endpoints (see {@link SlowStartOptions})
 * @throws ConfigError for invalid options
 */
export function p2c(options?: WeightedBalancerOptions): Balancer {
  const settings = weightedSettings(options, 'p2c');
  return {
    name: 'p2c',
    build(snapshot, { clock, rng }) {
      return new TwoChoicesPicker(snapshot, requestLoad, settings, clock, rng);
    },
  };
}

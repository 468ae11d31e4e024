/**
 * The endpoint write capabilities for tests that play the load tracker or the breaker layer
 * themselves (a fleet hands its own writers out once, to the cluster's seam and breaker layer).
 */
import { EndpointState } from '../../src/fleet/endpoint-state.js';

const writers = EndpointState.writers();

/** Writes load as the load tracker does. */
export const load = writers.load;

/** Writes health as the breaker layer does. */
export const health = writers.health;

import { ConfigError } from '../core/errors.js';
import type { Balancer } from './balancer.js';
import { leastRequest } from './least-request.js';
import { leastResponseTime } from './least-response-time.js';
import { maglev } from './maglev.js';
import { p2c } from './p2c.js';
import { peakEwma } from './p2c-peak-ewma.js';
import { random } from './random.js';
import { ringHash } from './ring-hash.js';
import { roundRobin } from './round-robin.js';
import { weightedRoundRobin } from './weighted-round-robin.js';

/**
 * Factories of the balancers selectable by name in `createClient({ balancer })`, with their
 * default options. Pass the factory's result instead of the name to set options.
 */
const FACTORIES = {
  'round-robin': () => roundRobin(),
  random: () => random(),
  'weighted-round-robin': () => weightedRoundRobin(),
  'least-request': () => leastRequest(),
  p2c: () => p2c(),
  'peak-ewma': () => peakEwma(),
  'least-response-time': () => leastResponseTime(),
  'ring-hash': () => ringHash(),
  maglev: () => maglev(),
} as const satisfies Record<string, () => Balancer>;

/** A balancer selectable by name. */
export type BalancerName = keyof typeof FACTORIES;

/** Every balancer name, in documentation order (the default first). */
export const BALANCER_NAMES: readonly BalancerName[] = Object.freeze(Object.keys(FACTORIES) as BalancerName[]);

/**
 * Resolves the `balancer` option: a name from {@link BALANCER_NAMES} or a {@link Balancer} object.
 * @throws ConfigError naming `option` when the name is unknown or the object lacks `build`
 */
export function resolveBalancer(value: unknown, option = 'balancer'): Balancer {
  if (typeof value === 'string') {
    if (Object.hasOwn(FACTORIES, value)) return FACTORIES[value as BalancerName]();
    throw new ConfigError(option, value, `one of ${BALANCER_NAMES.join(', ')}, or a Balancer object`);
  }
  if (value !== null && typeof value === 'object' && typeof (value as Balancer).build === 'function') {
    return value as Balancer;
  }
  throw new ConfigError(option, value, `one of ${BALANCER_NAMES.join(', ')}, or a Balancer object with build()`);
}

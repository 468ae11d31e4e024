import { randomInt, type Rng } from '../core/rng.js';
import type { EndpointState } from '../fleet/endpoint-state.js';

/** Random probes {@link randomAvailable} tries before it scans. */
const RANDOM_PROBES = 4;

/**
 * The first available member at or after index `start`, wrapping around; `undefined` when every
 * member is ejected. O(n) in the worst case: the fallback of pickers whose fast path hit ejected
 * endpoints.
 */
export function firstAvailable(members: readonly EndpointState[], start: number): EndpointState | undefined {
  const n = members.length;
  for (let k = 0, i = start; k < n; k++) {
    const state = members[i]!;
    if (state.available) return state;
    if (++i === n) i = 0;
  }
  return undefined;
}

/**
 * A uniformly random available member: a few random probes, then a scan from a random start
 * (which favours members that follow a run of ejected ones; only reached when most are ejected).
 */
export function randomAvailable(members: readonly EndpointState[], rng: Rng): EndpointState | undefined {
  const n = members.length;
  if (n === 0) return undefined;
  for (let k = 0; k < RANDOM_PROBES; k++) {
    const state = members[randomInt(rng, n)]!;
    if (state.available) return state;
  }
  return firstAvailable(members, randomInt(rng, n));
}

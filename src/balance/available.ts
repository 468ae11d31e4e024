import { randomInt, type Rng } from '../core/rng.js';
import type { EndpointState } from '../fleet/endpoint-state.js';
import { EJECTED } from '../fleet/endpoint-table.js';
import type { FleetSnapshot } from '../fleet/fleet.js';

/** Random probes {@link randomAvailable} tries before it scans. */
const RANDOM_PROBES = 4;

/**
 * The first available member of `snapshot` at or after index `start`, wrapping around;
 * `undefined` when every member is ejected. O(n) in the worst case: the fallback of pickers whose
 * fast path hit ejected endpoints.
 */
export function firstAvailable(snapshot: FleetSnapshot, start: number): EndpointState | undefined {
  const { members, rows } = snapshot;
  const health = snapshot.table.health;
  const n = members.length;
  for (let k = 0, i = start; k < n; k++) {
    if (health[rows[i]!] !== EJECTED) return members[i];
    if (++i === n) i = 0;
  }
  return undefined;
}

/**
 * A uniformly random available member of `snapshot`: a few random probes, then a scan from a
 * random start (which favours members that follow a run of ejected ones; only reached when most
 * are ejected). Reads health from the fleet's table, so a probe touches no state object.
 */
export function randomAvailable(snapshot: FleetSnapshot, rng: Rng): EndpointState | undefined {
  const { members, rows } = snapshot;
  const health = snapshot.table.health;
  const n = members.length;
  if (n === 0) return undefined;
  for (let k = 0; k < RANDOM_PROBES; k++) {
    const i = randomInt(rng, n);
    if (health[rows[i]!] !== EJECTED) return members[i];
  }
  return firstAvailable(snapshot, randomInt(rng, n));
}

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

/**
 * Whether member `i` of `snapshot` may be picked for a call that avoids the endpoints in `avoid`
 * (its `tried` set): available, and not among them.
 */
export function isUntriedAvailable(snapshot: FleetSnapshot, i: number, avoid: ReadonlySet<string>): boolean {
  return snapshot.table.health[snapshot.rows[i]!] !== EJECTED && !avoid.has(snapshot.members[i]!.id);
}

/**
 * The first available member at or after index `start` (wrapping around) whose id is not in
 * `avoid`; `undefined` when every available member is in it. O(n) in the worst case: the fallback
 * of pickers whose retry could not find an untried endpoint on their fast path.
 */
export function firstUntried(snapshot: FleetSnapshot, start: number, avoid: ReadonlySet<string>): EndpointState | undefined {
  const n = snapshot.members.length;
  for (let k = 0, i = start; k < n; k++) {
    if (isUntriedAvailable(snapshot, i, avoid)) return snapshot.members[i];
    if (++i === n) i = 0;
  }
  return undefined;
}

/**
 * A uniformly random available member whose id is not in `avoid` (a retry's `tried` set): a few
 * random probes, then a scan from a random start; `undefined` when every available member was
 * tried.
 */
export function randomUntried(snapshot: FleetSnapshot, avoid: ReadonlySet<string>, rng: Rng): EndpointState | undefined {
  const n = snapshot.members.length;
  if (n === 0) return undefined;
  for (let k = 0; k < RANDOM_PROBES; k++) {
    const i = randomInt(rng, n);
    if (isUntriedAvailable(snapshot, i, avoid)) return snapshot.members[i];
  }
  return firstUntried(snapshot, randomInt(rng, n), avoid);
}

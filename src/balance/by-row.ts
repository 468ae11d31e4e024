import type { EndpointState } from '../fleet/endpoint-state.js';
import type { FleetSnapshot } from '../fleet/fleet.js';

/**
 * The members of `snapshot` indexed by their row in the fleet's endpoint table, for pickers that
 * find a row first (in a lookup table, or by sampling rows) and then need its member. Entries for
 * rows no member holds are empty. When every member's row is its index (a fleet that has only
 * grown, in discovery order) this is `snapshot.members` itself, at no cost; otherwise a new array
 * (about 1 ms at 100 000 members).
 */
export function membersByRow(snapshot: FleetSnapshot): readonly (EndpointState | undefined)[] {
  const { members, rows } = snapshot;
  const n = members.length;
  let lastRow = -1;
  let inOrder = true;
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    if (row !== i) inOrder = false;
    if (row > lastRow) lastRow = row;
  }
  if (inOrder) return members;
  // `new Array(length)` then stores: a holey array, but three times faster to fill than a packed copy.
  const byRow = new Array<EndpointState | undefined>(lastRow + 1);
  for (let i = 0; i < n; i++) byRow[rows[i]!] = members[i];
  return byRow;
}

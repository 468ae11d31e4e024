import type { Call } from '../core/call.js';
import { ConfigError } from '../core/errors.js';
import { numberOption, readOptions } from '../core/options.js';
import type { Rng } from '../core/rng.js';
import type { EndpointState } from '../fleet/endpoint-state.js';
import { EJECTED } from '../fleet/endpoint-table.js';
import type { FleetSnapshot } from '../fleet/fleet.js';
import { firstAvailable, firstUntried, randomAvailable, randomUntried } from './available.js';
import { membersByRow } from './by-row.js';
import type { Balancer, Picker } from './balancer.js';
import { PageToucher, runChunked, type ChunkedBuild } from './chunked-build.js';
import { hashString } from './hash.js';

/** Options of {@link maglev}. */
export interface MaglevOptions {
  /**
   * Size of the lookup table: a prime, at least the number of endpoints. Default: the smallest
   * prime above the smallest power of two that is at least `max(65 536, 100 × endpoints)`, so the
   * table is a prime >= 100 × endpoints (load imbalance under 1 %; 65 537 slots up to 655
   * endpoints, 1 048 583 at 10 000). The default size changes only when the fleet crosses a
   * power-of-two band (656, 1 311, 2 622 … endpoints), and then most keys move: pin `tableSize`
   * for a fleet that hovers around such a boundary. A fleet larger than a given `tableSize` gets
   * the default size. The table costs 2 bytes per slot below 65 535 endpoints, 4 above.
   */
  tableSize?: number;
}

/** Smallest default table (Envoy's default Maglev table size is 65 537). */
const MIN_DEFAULT_TABLE = 1 << 16;
/** Default table entries per endpoint: keeps the load imbalance under 1 % (the Maglev paper's M >= 100 N). */
const ENTRIES_PER_ENDPOINT = 100;
/** Table slots after the key's one that a pick examines for an available endpoint before scanning members. */
const WALK_LIMIT = 16;
/**
 * Work units (table probes, slots claimed, endpoints hashed) per chunk of a build: about 1 to 3 ms
 * of CPU (`npm run bench:pick`). In a table beyond a few MiB every probe is a cache miss, so those
 * builds take half as many units per chunk.
 */
const chunkBudget = (size: number): number => (size > 1 << 22 ? 1 << 15 : 1 << 16);
const OFFSET_SEED = 0x6d61676c;
const SKIP_SEED = 0x65762131;

/**
 * Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load
 * Balancer", NSDI 2016; Envoy's `MAGLEV`, with Envoy's weighted table population): each endpoint
 * fills slots of a prime-sized lookup table along its own permutation, in turns, so every
 * endpoint owns an almost equal number of slots (or slots in proportion to its weight). A pick
 * hashes the request key (MurmurHash3) to a slot: O(1), one table read. When an endpoint leaves,
 * its keys move and only a few others do. An ejected endpoint's keys go to the next slots'
 * endpoints. A call without a key (no `key` option and no `hashHeader`) goes to a random endpoint.
 * Large tables are populated in chunks off the hot path.
 *
 * Slow start does not apply: changing an endpoint's slots over time would move keys.
 *
 * @throws ConfigError for invalid options
 */
export function maglev(options?: MaglevOptions): Balancer {
  const o = readOptions(options ?? {}, 'maglev', ['tableSize'] as const);
  const tableSize = o.tableSize === undefined ? undefined : numberOption(o.tableSize, 'maglev.tableSize', 0, { min: 2, max: 2 ** 31 - 1, integer: true });
  if (tableSize !== undefined && !isPrime(tableSize)) throw new ConfigError('maglev.tableSize', tableSize, 'a prime number');
  return {
    name: 'maglev',
    build(snapshot, { rng, signal }) {
      const n = snapshot.members.length;
      const size = tableSize !== undefined && tableSize >= n ? tableSize : defaultTableSize(n);
      return runChunked(new MaglevBuild(snapshot, size, rng), chunkBudget(size), signal);
    },
  };
}

/** The default table size for `endpoints` members (see {@link MaglevOptions.tableSize}). */
export function defaultTableSize(endpoints: number): number {
  const want = Math.max(MIN_DEFAULT_TABLE, ENTRIES_PER_ENDPOINT * endpoints);
  let power = MIN_DEFAULT_TABLE;
  while (power < want) power *= 2;
  return nextPrime(power);
}

function nextPrime(from: number): number {
  let candidate = from % 2 === 0 ? from + 1 : from;
  while (!isPrime(candidate)) candidate += 2;
  return candidate;
}

function isPrime(value: number): boolean {
  if (value < 2) return false;
  if (value % 2 === 0) return value === 2;
  for (let d = 3; d * d <= value; d += 2) if (value % d === 0) return false;
  return true;
}

/**
 * Populates the table as Envoy's `MaglevTable` does: in rounds, each endpoint whose weight allows
 * it this round claims the next free slot along its permutation `(offset + k × skip) mod size`.
 * Slots hold the owner's row in the fleet's endpoint table plus one (a fresh, zeroed table is
 * empty), so a pick reads the owner's health at once, without a lookup from member to row. The
 * build first touches the table's pages in order ({@link PageToucher}) because the claims then
 * write it at random.
 *
 * Walking a permutation to a free slot costs `size / free` probes, so a plain population costs
 * about `size × ln(size)` probes, half of them once fewer than `sqrt(size)` slots are free. From
 * there the build keeps a list of the free slots and takes, for each claim, the free slot nearest
 * along the member's permutation, at distance `(slot - position) × skip⁻¹ mod size`: the slot the
 * walk would have reached, at a cost of one pass over the short list.
 */
class MaglevBuild implements ChunkedBuild<MaglevPicker> {
  readonly #snapshot: FleetSnapshot;
  readonly #members: readonly EndpointState[];
  readonly #rows: ArrayLike<number>;
  readonly #rng: Rng;
  readonly #table: SlotTable;
  readonly #position: Int32Array;
  readonly #skip: Int32Array;
  readonly #weight: Float64Array;
  readonly #target: Float64Array;
  readonly #maxWeight: number;
  /** Free slots at which the build switches to the free list (0: never, when products could exceed 2^53). */
  readonly #tailAt: number;
  readonly #pages: PageToucher;
  #phase: 'touch' | 'hash' | 'walk' | 'collect' | 'tail' | 'done' = 'touch';
  #hashed = 0;
  #filled = 0;
  #round = 1;
  #member = 0;
  /** Whether `#member` is part-way along its permutation looking for a free slot (resumable). */
  #searching = false;
  #free: Int32Array | undefined;
  #freeCount = 0;
  #scanned = 0;

  constructor(snapshot: FleetSnapshot, size: number, rng: Rng) {
    const members = snapshot.members;
    const n = members.length;
    this.#snapshot = snapshot;
    this.#members = members;
    this.#rows = snapshot.rows;
    this.#rng = rng;
    let lastRow = -1;
    for (let i = 0; i < n; i++) lastRow = Math.max(lastRow, snapshot.rows[i]!);
    this.#table = lastRow < 0xffff ? new Uint16Array(size) : new Int32Array(size);
    this.#pages = new PageToucher([this.#table]);
    this.#position = new Int32Array(n);
    this.#skip = new Int32Array(n);
    this.#weight = new Float64Array(n);
    this.#target = new Float64Array(n);
    let maxWeight = 0;
    for (let i = 0; i < n; i++) {
      const weight = members[i]!.endpoint.weight;
      this.#weight[i] = weight;
      if (weight > maxWeight) maxWeight = weight;
    }
    this.#maxWeight = maxWeight;
    this.#tailAt = size <= EXACT_PRODUCT_LIMIT ? Math.floor(Math.sqrt(size)) : 0;
    if (n === 0) this.#phase = 'done';
  }

  step(budget: number): boolean {
    let work = 0;
    while (work < budget) {
      switch (this.#phase) {
        case 'touch':
          work += this.#pages.step(budget - work);
          if (this.#pages.done) this.#phase = 'hash';
          break;
        case 'hash':
          work += this.#hash(budget - work);
          break;
        case 'walk':
        case 'tail':
          work += this.#fill(budget - work);
          break;
        case 'collect':
          work += this.#collect(budget - work);
          break;
        case 'done':
          return true;
      }
    }
    return this.#phase === 'done';
  }

  result(): MaglevPicker {
    return new MaglevPicker(this.#snapshot, this.#table, this.#rng);
  }

  #hash(budget: number): number {
    const members = this.#members;
    const size = this.#table.length;
    let work = 0;
    for (; this.#hashed < members.length && work < budget; this.#hashed++, work += 8) {
      const id = members[this.#hashed]!.id;
      this.#position[this.#hashed] = hashString(id, OFFSET_SEED) % size;
      this.#skip[this.#hashed] = (hashString(id, SKIP_SEED) % (size - 1)) + 1;
    }
    if (this.#hashed === members.length) this.#phase = 'walk';
    return work;
  }

  /**
   * Claims slots round by round, walking permutations (`walk`) or searching the free list
   * (`tail`). The loop state lives in locals and is written back on exit: this is the build's
   * hot loop.
   */
  #fill(budget: number): number {
    const n = this.#members.length;
    const rows = this.#rows;
    const table = this.#table;
    const size = table.length;
    const position = this.#position;
    const skip = this.#skip;
    const weight = this.#weight;
    const target = this.#target;
    const maxWeight = this.#maxWeight;
    const tail = this.#phase === 'tail';
    const switchAt = tail ? Infinity : size - this.#tailAt;
    let member = this.#member;
    let round = this.#round;
    let filled = this.#filled;
    let searching = this.#searching;
    let work = 0;
    while (work < budget) {
      if (searching || round * weight[member]! >= target[member]!) {
        if (!searching) target[member]! += maxWeight;
        if (tail) {
          work += this.#claimNearestFree(member);
        } else {
          // Walk the member's permutation to a free slot (resumable at the budget).
          const stride = skip[member]!;
          let slot = position[member]!;
          while (table[slot] !== 0 && work < budget) {
            slot += stride;
            if (slot >= size) slot -= size;
            work++;
          }
          if (table[slot] !== 0) {
            position[member] = slot;
            searching = true;
            break;
          }
          searching = false;
          table[slot] = rows[member]! + 1;
          slot += stride;
          position[member] = slot >= size ? slot - size : slot;
        }
        if (++filled === size) {
          this.#phase = 'done';
          break;
        }
      }
      work++;
      if (++member === n) {
        member = 0;
        round++;
      }
      if (filled >= switchAt) {
        this.#phase = 'collect';
        break;
      }
    }
    this.#member = member;
    this.#round = round;
    this.#filled = filled;
    this.#searching = searching;
    return work;
  }

  /** Lists the free slots, once few are left. */
  #collect(budget: number): number {
    const table = this.#table;
    const size = table.length;
    const free = (this.#free ??= new Int32Array(size - this.#filled));
    const end = Math.min(size, this.#scanned + budget);
    for (let slot = this.#scanned; slot < end; slot++) if (table[slot] === 0) free[this.#freeCount++] = slot;
    const work = end - this.#scanned + 1;
    this.#scanned = end;
    if (end === size) this.#phase = 'tail';
    return work;
  }

  /** Claims for `member` the free slot nearest along its permutation (the one a walk would reach). */
  #claimNearestFree(member: number): number {
    const size = this.#table.length;
    const free = this.#free!;
    const position = this.#position[member]!;
    const stride = this.#skip[member]!;
    const inverse = modularInverse(stride, size);
    let best = 0;
    let bestDistance = Infinity;
    for (let f = 0; f < this.#freeCount; f++) {
      const distance = (((free[f]! - position + size) % size) * inverse) % size;
      if (distance < bestDistance) {
        bestDistance = distance;
        best = f;
      }
    }
    const slot = free[best]!;
    free[best] = free[--this.#freeCount]!;
    this.#table[slot] = this.#rows[member]! + 1;
    const next = slot + stride;
    this.#position[member] = next >= size ? next - size : next;
    return this.#freeCount + 1;
  }
}

/** Slots hold `row + 1`: 16 bits while the rows allow, to halve the table's memory and cache misses. */
type SlotTable = Uint16Array | Int32Array;

/** Largest table whose `slot × inverse` products stay exact in a double (< 2^53). */
const EXACT_PRODUCT_LIMIT = 2 ** 26;

/** `value⁻¹ mod prime`, by the extended Euclidean algorithm. */
function modularInverse(value: number, prime: number): number {
  let [r0, r1] = [prime, value];
  let [t0, t1] = [0, 1];
  while (r1 !== 0) {
    const q = Math.floor(r0 / r1);
    [r0, r1] = [r1, r0 - q * r1];
    [t0, t1] = [t1, t0 - q * t1];
  }
  return t0 < 0 ? t0 + prime : t0;
}

/** The picker {@link maglev} builds. */
export class MaglevPicker implements Picker {
  readonly #snapshot: FleetSnapshot;
  readonly #table: SlotTable;
  /** The members by row (rows no member holds are `undefined`; no slot names them). */
  readonly #byRow: readonly (EndpointState | undefined)[];
  readonly #rng: Rng;

  constructor(snapshot: FleetSnapshot, table: SlotTable, rng: Rng) {
    this.#byRow = membersByRow(snapshot);
    this.#snapshot = snapshot;
    this.#table = table;
    this.#rng = rng;
  }

  /** How many table slots each endpoint owns, by id: how evenly keys spread (printed by `npm run bench:pick`). */
  slotsById(): Map<string, number> {
    const slots = new Map<string, number>(this.#snapshot.members.map((state) => [state.id, 0]));
    // An empty fleet leaves the table empty (zero).
    for (const owner of this.#table) {
      if (owner === 0) continue;
      const id = this.#byRow[owner - 1]!.id;
      slots.set(id, slots.get(id)! + 1);
    }
    return slots;
  }

  pick(call: Call): EndpointState | undefined {
    const snapshot = this.#snapshot;
    const tried = call.tried;
    if (call.key === undefined) {
      if (tried.size !== 0) return randomUntried(snapshot, tried, this.#rng) ?? randomAvailable(snapshot, this.#rng);
      return randomAvailable(snapshot, this.#rng);
    }
    if (snapshot.members.length === 0) return undefined;
    // Health comes from the fleet's table, so only the chosen member's state object is touched.
    const health = snapshot.table.health;
    const byRow = this.#byRow;
    const table = this.#table;
    const size = table.length;
    let slot = hashString(call.key) % size;
    if (tried.size !== 0) {
      // A retry walks on to the next slot whose owner it has not tried.
      for (let k = 0, walk = slot; k <= WALK_LIMIT; k++) {
        const row = table[walk]! - 1;
        if (health[row] !== EJECTED && !tried.has(byRow[row]!.id)) return byRow[row];
        if (++walk === size) walk = 0;
      }
      const untried = firstUntried(snapshot, snapshot.members.indexOf(byRow[table[slot]! - 1]!), tried);
      if (untried) return untried;
    }
    for (let k = 0; k <= WALK_LIMIT; k++) {
      const row = table[slot]! - 1;
      if (health[row] !== EJECTED) return byRow[row];
      if (++slot === size) slot = 0;
    }
    return firstAvailable(snapshot, snapshot.members.indexOf(byRow[table[slot]! - 1]!));
  }
}

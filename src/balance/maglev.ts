import type { Call } from '../core/call.js';
import { ConfigError } from '../core/errors.js';
import { numberOption, readOptions } from '../core/options.js';
import type { Rng } from '../core/rng.js';
import type { EndpointState } from '../fleet/endpoint-state.js';
import { firstAvailable, randomAvailable } from './available.js';
import type { Balancer, Picker } from './balancer.js';
import { runChunked, type ChunkedBuild } from './chunked-build.js';
import { hashString } from './hash.js';

/** Options of {@link maglev}. */
export interface MaglevOptions {
  /**
   * Size of the lookup table: a prime, at least the number of endpoints. Default: the smallest
   * prime above a power of two that is at least `max(65 536, 100 × endpoints)`, so the table is
   * a prime >= 100 × endpoints (load imbalance under 1 %) and keeps its size, and thus its keys,
   * while the fleet grows or shrinks within a factor of two. A fleet larger than a given
   * `tableSize` gets the default size. The table costs 4 bytes per entry.
   */
  tableSize?: number;
}

/** Smallest default table (Envoy's default Maglev table size is 65 537). */
const MIN_DEFAULT_TABLE = 1 << 16;
/** Default table entries per endpoint: keeps the load imbalance under 1 % (the Maglev paper's M >= 100 N). */
const ENTRIES_PER_ENDPOINT = 100;
/** Table slots after the key's one that a pick examines for an available endpoint before scanning members. */
const WALK_LIMIT = 16;
/** Work units (table probes or endpoints hashed) per chunk of a build: about 2 ms (`npm run bench:pick`). */
const CHUNK_BUDGET = 1 << 19;
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
      return runChunked(new MaglevBuild(snapshot.members, size, rng), CHUNK_BUDGET, signal);
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
 * Slots hold `member index + 1`, so a fresh (zeroed) table is empty without a fill pass.
 */
class MaglevBuild implements ChunkedBuild<MaglevPicker> {
  readonly #members: readonly EndpointState[];
  readonly #rng: Rng;
  readonly #table: Int32Array;
  readonly #position: Float64Array;
  readonly #skip: Float64Array;
  readonly #weight: Float64Array;
  readonly #target: Float64Array;
  readonly #maxWeight: number;
  #hashed = 0;
  #filled = 0;
  #round = 1;
  #member = 0;

  constructor(members: readonly EndpointState[], size: number, rng: Rng) {
    const n = members.length;
    this.#members = members;
    this.#rng = rng;
    this.#table = new Int32Array(size);
    this.#position = new Float64Array(n);
    this.#skip = new Float64Array(n);
    this.#weight = new Float64Array(n);
    this.#target = new Float64Array(n);
    let maxWeight = 0;
    for (let i = 0; i < n; i++) {
      const weight = members[i]!.endpoint.weight;
      this.#weight[i] = weight;
      if (weight > maxWeight) maxWeight = weight;
    }
    this.#maxWeight = maxWeight;
  }

  step(budget: number): boolean {
    const members = this.#members;
    const n = members.length;
    const table = this.#table;
    const size = table.length;
    let work = 0;
    for (; this.#hashed < n && work < budget; this.#hashed++, work += 8) {
      const id = members[this.#hashed]!.id;
      this.#position[this.#hashed] = hashString(id, OFFSET_SEED) % size;
      this.#skip[this.#hashed] = (hashString(id, SKIP_SEED) % (size - 1)) + 1;
    }
    if (this.#hashed < n || n === 0) return n === 0;
    const position = this.#position;
    const skip = this.#skip;
    const weight = this.#weight;
    const target = this.#target;
    const maxWeight = this.#maxWeight;
    let filled = this.#filled;
    let member = this.#member;
    let round = this.#round;
    while (filled < size && work < budget) {
      if (round * weight[member]! >= target[member]!) {
        target[member]! += maxWeight;
        let slot = position[member]!;
        while (table[slot] !== 0) {
          slot += skip[member]!;
          if (slot >= size) slot -= size;
          work++;
        }
        table[slot] = member + 1;
        slot += skip[member]!;
        position[member] = slot >= size ? slot - size : slot;
        filled++;
      }
      work++;
      if (++member === n) {
        member = 0;
        round++;
      }
    }
    this.#filled = filled;
    this.#member = member;
    this.#round = round;
    return filled === size;
  }

  result(): MaglevPicker {
    return new MaglevPicker(this.#members, this.#table, this.#rng);
  }
}

class MaglevPicker implements Picker {
  readonly #members: readonly EndpointState[];
  readonly #table: Int32Array;
  readonly #rng: Rng;

  constructor(members: readonly EndpointState[], table: Int32Array, rng: Rng) {
    this.#members = members;
    this.#table = table;
    this.#rng = rng;
  }

  pick(call: Call): EndpointState | undefined {
    const members = this.#members;
    if (call.key === undefined) return randomAvailable(members, this.#rng);
    if (members.length === 0) return undefined;
    const table = this.#table;
    const size = table.length;
    let slot = hashString(call.key) % size;
    for (let k = 0; k <= WALK_LIMIT; k++) {
      const state = members[table[slot]! - 1]!;
      if (state.available) return state;
      if (++slot === size) slot = 0;
    }
    return firstAvailable(members, table[slot]! - 1);
  }
}

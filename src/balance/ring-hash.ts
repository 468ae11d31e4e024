import type { Call } from '../core/call.js';
import { numberOption, readOptions } from '../core/options.js';
import type { Rng } from '../core/rng.js';
import type { EndpointState } from '../fleet/endpoint-state.js';
import { EJECTED } from '../fleet/endpoint-table.js';
import type { FleetSnapshot } from '../fleet/fleet.js';
import { firstAvailable, firstUntried, randomAvailable, randomUntried } from './available.js';
import type { Balancer, Picker } from './balancer.js';
import { PageToucher, runChunked, type ChunkedBuild } from './chunked-build.js';
import { fmix32, hashString } from './hash.js';

/** Options of {@link ringHash}. */
export interface RingHashOptions {
  /**
   * Points an endpoint of average weight places on the ring (default 16 384, an integer >= 1);
   * an endpoint's points are proportional to its weight, at least one. More points even out the
   * share of keys each endpoint gets (its spread is about `1 / sqrt(points)`).
   */
  pointsPerEndpoint?: number;
  /**
   * Most points on the ring (default 1 048 576, an integer >= 1). Above `maxRingSize /
   * pointsPerEndpoint` endpoints (64 by default) the points per endpoint shrink to fit: 104 each
   * at 10 000 endpoints, 10 at 100 000. The ring costs 8 bytes per point (8 MiB at the default).
   */
  maxRingSize?: number;
}

const DEFAULT_POINTS_PER_ENDPOINT = 16_384;
const DEFAULT_MAX_RING_SIZE = 1 << 20;
/** Points after the key's one that a pick examines for an available owner before scanning members. */
const WALK_LIMIT = 16;
/**
 * Work units (points generated or moved) per chunk of a build: moves are cache misses in a large
 * ring, so a chunk takes about 1 to 3 ms (`npm run bench:pick`).
 */
const CHUNK_BUDGET = 1 << 16;
/** Odd constant (2^32 / golden ratio) spacing an endpoint's point seeds before mixing. */
const POINT_STRIDE = 0x9e3779b9;

/**
 * Consistent hashing on a ring (Karger et al., "Consistent Hashing and Random Trees", 1997;
 * Envoy's `RING_HASH`): every endpoint places points on a 32-bit ring, a request key hashes to a
 * position (MurmurHash3), and the endpoint of the next point clockwise serves it. The same key
 * keeps its endpoint while the membership is stable; when an endpoint leaves only its keys move
 * (while the fleet stays under `maxRingSize / pointsPerEndpoint` members; above that each endpoint's
 * share of points also shifts by about `1 / n`). An ejected owner passes its keys to the next
 * points' owners. A call without a key (no `key` option and no `hashHeader`) goes to a random
 * endpoint. O(log points) per pick plus hashing the key; the ring is built (sorted) in chunks off
 * the hot path for large fleets.
 *
 * Weights set each endpoint's number of points; slow start does not apply, because changing an
 * endpoint's points over time would move keys between endpoints.
 *
 * @throws ConfigError for invalid options
 */
export function ringHash(options?: RingHashOptions): Balancer {
  const o = readOptions(options ?? {}, 'ringHash', ['pointsPerEndpoint', 'maxRingSize'] as const);
  const pointsPerEndpoint = numberOption(o.pointsPerEndpoint, 'ringHash.pointsPerEndpoint', DEFAULT_POINTS_PER_ENDPOINT, { min: 1, integer: true });
  const maxRingSize = numberOption(o.maxRingSize, 'ringHash.maxRingSize', DEFAULT_MAX_RING_SIZE, { min: 1, max: 2 ** 31 - 1, integer: true });
  return {
    name: 'ring-hash',
    build(snapshot, { rng, signal }) {
      return runChunked(new RingBuild(snapshot, pointsPerEndpoint, maxRingSize, rng), CHUNK_BUDGET, signal);
    },
  };
}

/**
 * Builds the ring: generates each endpoint's points, then sorts them with a two-pass LSD radix
 * sort on 16-bit digits (stable, so equal points keep member order). Every phase is resumable.
 */
class RingBuild implements ChunkedBuild<RingPicker> {
  readonly #snapshot: FleetSnapshot;
  readonly #members: readonly EndpointState[];
  readonly #rng: Rng;
  readonly #points: Int32Array;
  readonly #keys: Uint32Array;
  readonly #owners: Int32Array;
  readonly #spareKeys: Uint32Array;
  readonly #spareOwners: Int32Array;
  readonly #lowCounts = new Int32Array(1 << 16);
  readonly #highCounts = new Int32Array(1 << 16);
  readonly #pages: PageToucher;
  #phase: 'touch' | 'generate' | 'scatter-low' | 'scatter-high' | 'done' = 'touch';
  #member = 0;
  #point = 0;
  #at = 0;

  constructor(snapshot: FleetSnapshot, pointsPerEndpoint: number, maxRingSize: number, rng: Rng) {
    const members = snapshot.members;
    this.#snapshot = snapshot;
    this.#members = members;
    this.#rng = rng;
    const n = members.length;
    let totalWeight = 0;
    for (const state of members) totalWeight += state.endpoint.weight;
    const perEndpoint = Math.min(pointsPerEndpoint, maxRingSize / Math.max(n, 1));
    this.#points = new Int32Array(n);
    let size = 0;
    for (let i = 0; i < n; i++) {
      const points = Math.max(1, Math.round((perEndpoint * members[i]!.endpoint.weight * n) / totalWeight));
      this.#points[i] = points;
      size += points;
    }
    this.#keys = new Uint32Array(size);
    this.#owners = new Int32Array(size);
    this.#spareKeys = new Uint32Array(size);
    this.#spareOwners = new Int32Array(size);
    // The first radix pass writes the spare arrays at random; touch their pages in order first.
    this.#pages = new PageToucher([this.#spareKeys, this.#spareOwners]);
  }

  step(budget: number): boolean {
    let work = 0;
    while (work < budget) {
      switch (this.#phase) {
        case 'touch':
          work += this.#pages.step(budget - work);
          if (this.#pages.done) this.#phase = 'generate';
          break;
        case 'generate':
          work += this.#generate(budget - work);
          break;
        case 'scatter-low':
          work += this.#scatter(this.#keys, this.#owners, this.#spareKeys, this.#spareOwners, this.#lowCounts, 0, budget - work);
          break;
        case 'scatter-high':
          work += this.#scatter(this.#spareKeys, this.#spareOwners, this.#keys, this.#owners, this.#highCounts, 16, budget - work);
          break;
        case 'done':
          return true;
      }
    }
    return this.#phase === 'done';
  }

  result(): RingPicker {
    return new RingPicker(this.#snapshot, this.#keys, this.#owners, this.#rng);
  }

  #generate(budget: number): number {
    const members = this.#members;
    const keys = this.#keys;
    const owners = this.#owners;
    const low = this.#lowCounts;
    const high = this.#highCounts;
    let work = 0;
    let at = this.#at;
    while (this.#member < members.length && work < budget) {
      const i = this.#member;
      const seed = hashString(members[i]!.id);
      const points = this.#points[i]!;
      let j = this.#point;
      const end = Math.min(points, j + budget - work);
      for (; j < end; j++) {
        const key = fmix32((seed + Math.imul(j, POINT_STRIDE)) | 0);
        keys[at] = key;
        owners[at] = i;
        low[key & 0xffff]!++;
        high[key >>> 16]!++;
        at++;
      }
      work += end - this.#point + 1;
      if (j === points) {
        this.#member++;
        this.#point = 0;
      } else {
        this.#point = j;
      }
    }
    this.#at = at;
    if (this.#member === members.length) {
      toOffsets(low);
      toOffsets(high);
      this.#phase = 'scatter-low';
      this.#at = 0;
    }
    return work;
  }

  #scatter(fromKeys: Uint32Array, fromOwners: Int32Array, toKeys: Uint32Array, toOwners: Int32Array, offsets: Int32Array, shift: number, budget: number): number {
    const size = fromKeys.length;
    const start = this.#at;
    const end = Math.min(size, start + budget);
    for (let p = start; p < end; p++) {
      const key = fromKeys[p]!;
      const slot = offsets[(key >>> shift) & 0xffff]!++;
      toKeys[slot] = key;
      toOwners[slot] = fromOwners[p]!;
    }
    this.#at = end;
    if (end === size) {
      this.#at = 0;
      this.#phase = this.#phase === 'scatter-low' ? 'scatter-high' : 'done';
    }
    return end - start + 1;
  }
}

/** Turns counts into exclusive prefix sums, in place. */
function toOffsets(counts: Int32Array): void {
  let sum = 0;
  for (let d = 0; d < counts.length; d++) {
    const c = counts[d]!;
    counts[d] = sum;
    sum += c;
  }
}

class RingPicker implements Picker {
  readonly #snapshot: FleetSnapshot;
  readonly #keys: Uint32Array;
  readonly #owners: Int32Array;
  readonly #rng: Rng;

  constructor(snapshot: FleetSnapshot, keys: Uint32Array, owners: Int32Array, rng: Rng) {
    this.#snapshot = snapshot;
    this.#keys = keys;
    this.#owners = owners;
    this.#rng = rng;
  }

  pick(call: Call): EndpointState | undefined {
    const snapshot = this.#snapshot;
    const tried = call.tried;
    if (call.key === undefined) {
      if (tried.size !== 0) return randomUntried(snapshot, tried, this.#rng) ?? randomAvailable(snapshot, this.#rng);
      return randomAvailable(snapshot, this.#rng);
    }
    const keys = this.#keys;
    const size = keys.length;
    if (size === 0) return undefined;
    const hash = hashString(call.key);
    let lo = 0;
    let hi = size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    let at = lo === size ? 0 : lo;
    const owners = this.#owners;
    const { members, rows } = snapshot;
    const health = snapshot.table.health;
    if (tried.size !== 0) {
      // A retry walks on to the next owner it has not tried (Envoy's previous-hosts retry predicate on a ring).
      for (let k = 0, walk = at; k <= WALK_LIMIT; k++) {
        const member = owners[walk]!;
        if (health[rows[member]!] !== EJECTED && !tried.has(members[member]!.id)) return members[member];
        if (++walk === size) walk = 0;
      }
      const untried = firstUntried(snapshot, owners[at]!, tried);
      if (untried) return untried;
    }
    for (let k = 0; k <= WALK_LIMIT; k++) {
      const member = owners[at]!;
      if (health[rows[member]!] !== EJECTED) return members[member];
      if (++at === size) at = 0;
    }
    return firstAvailable(snapshot, owners[at]!);
  }
}

import { isPlainObject } from '../core/options.js';

/**
 * Canonical text of validated settings, so that two generations of a config can tell whether a
 * stateful part (a cluster, a retry budget, a token bucket) is configured the same and may be
 * kept. Plain objects compare by content with sorted keys, sets by sorted members; functions and
 * other objects (a discovery provider, a balancer) by identity, numbered per instance, so one
 * mesh's numbering never leaks into another's.
 */
export class Fingerprints {
  readonly #ids = new WeakMap<object, number>();
  #next = 0;

  /** The fingerprint of `value`. */
  of(value: unknown): string {
    return JSON.stringify(this.#canonical(value));
  }

  #canonical(value: unknown): unknown {
    if (value === undefined) return '#undefined';
    if (typeof value === 'number' && !Number.isFinite(value)) return `#${value}`;
    if (value === null || typeof value !== 'object') return typeof value === 'function' ? `#fn${this.#id(value)}` : value;
    if (Array.isArray(value)) return value.map((v) => this.#canonical(v));
    if (value instanceof Set) return { '#set': [...value].map((v) => this.#canonical(v)).sort() };
    if (value instanceof Map) return { '#map': [...value].map(([k, v]) => [this.#canonical(k), this.#canonical(v)]) };
    if (!isPlainObject(value)) return `#obj${this.#id(value)}`;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = this.#canonical(value[key]);
    return out;
  }

  #id(value: object): number {
    let id = this.#ids.get(value);
    if (id === undefined) this.#ids.set(value, (id = this.#next++));
    return id;
  }
}

import { ConfigError } from './errors.js';

/**
 * Validation helpers shared by every layer's options (docs/architecture.md, section 7): each layer
 * validates its own options when it is built, with errors that name the option path and value.
 */

/** Whether `value` is a plain object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Checks that `value` is a plain object whose own keys are all in `allowed`, and returns a copy
 * with a null prototype, so a `__proto__` key in user input cannot reach any prototype.
 * @throws ConfigError for a non-object or an unknown key (named with its path)
 */
export function readOptions<K extends string>(value: unknown, option: string, allowed: readonly K[]): Partial<Record<K, unknown>> {
  if (!isPlainObject(value)) throw new ConfigError(option, value, 'an options object');
  const out = Object.create(null) as Partial<Record<K, unknown>>;
  for (const key of Reflect.ownKeys(value)) {
    if (typeof key !== 'string' || !(allowed as readonly string[]).includes(key)) {
      const path = option ? `${option}.${String(key)}` : String(key);
      throw new ConfigError(path, (value as Record<PropertyKey, unknown>)[key], `no such option; known options: ${allowed.join(', ')}`);
    }
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key as K] = v;
  }
  return out;
}

/** A finite number >= `min` (default 0), or `fallback` when undefined. */
export function numberOption(value: unknown, option: string, fallback: number, { min = 0, max = Infinity, integer = false, allowInfinity = false } = {}): number {
  if (value === undefined) return fallback;
  const ok =
    typeof value === 'number' &&
    !Number.isNaN(value) &&
    (allowInfinity || Number.isFinite(value)) &&
    value >= min &&
    value <= max &&
    (!integer || Number.isInteger(value) || value === Infinity);
  if (!ok) {
    const range = max === Infinity ? `>= ${min}` : `between ${min} and ${max}`;
    throw new ConfigError(option, value, `${integer ? 'an integer' : 'a number'} ${range}${allowInfinity ? ' (Infinity allowed)' : ''}`);
  }
  return value;
}

/** A non-empty string, or `fallback` when undefined. */
export function stringOption(value: unknown, option: string, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || value === '') throw new ConfigError(option, value, 'a non-empty string');
  return value;
}

/** A boolean, or `fallback` when undefined. */
export function booleanOption(value: unknown, option: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ConfigError(option, value, 'true or false');
  return value;
}

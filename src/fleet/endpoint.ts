import { ConfigError } from '../core/errors.js';
import { isPlainObject, readOptions } from '../core/options.js';

/** One backend instance of a service. Immutable; discovery produces new ones on change. */
export interface Endpoint {
  /** Stable identity used to diff discovery snapshots (default: the origin URL). */
  readonly id: string;
  /** The origin, `http(s)://host:port`, with no path. */
  readonly url: string;
  /** Relative weight for weighted strategies (default 1). */
  readonly weight: number;
  /** Locality zone, if known. */
  readonly zone: string | undefined;
  /** Free-form labels from discovery. */
  readonly tags: Readonly<Record<string, string>>;
}

/** An endpoint as users and discovery providers write it: a URL string or an object. */
export type EndpointInput =
  | string
  | {
      /** `http(s)://host:port`; a path is not allowed. */
      url: string;
      /** Identity for diffing snapshots (default: the origin). */
      id?: string;
      /** Relative weight, a positive finite number (default 1). */
      weight?: number;
      /** Locality zone. */
      zone?: string;
      /** Free-form labels. */
      tags?: Record<string, string>;
    };

/** The keys an endpoint object may have. */
const ENDPOINT_KEYS = ['url', 'id', 'weight', 'zone', 'tags'] as const;

/**
 * Validates and normalises an endpoint, as strictly as options: an object may hold only
 * `url`, `id`, `weight`, `zone` and `tags` (a misspelt key or `__proto__` is refused), tags are
 * strings. `option` is the option path used in the error (for example `endpoints[2]`), so a bad
 * value is reported where the user wrote it. A URL with credentials (`http://user:pw@host`) is
 * refused, and neither the error's message nor its `value` holds the credentials.
 */
export function toEndpoint(input: EndpointInput, option: string): Endpoint {
  if (input === null || (typeof input !== 'string' && typeof input !== 'object')) {
    throw new ConfigError(option, input, 'a URL string or { url, weight?, zone?, tags? }');
  }
  const raw = typeof input === 'string' ? { url: input } : readOptions(input, option, ENDPOINT_KEYS);
  if (typeof raw.url !== 'string') throw new ConfigError(`${option}.url`, raw.url, 'an absolute http(s) URL such as "http://127.0.0.1:8080"');
  let parsed: URL;
  try {
    parsed = new URL(raw.url);
  } catch {
    throw new ConfigError(`${option}.url`, raw.url, 'an absolute http(s) URL such as "http://127.0.0.1:8080"');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`${option}.url`, raw.url, 'an http: or https: URL');
  }
  if (parsed.username || parsed.password) {
    throw new ConfigError(`${option}.url`, raw.url, 'an origin without credentials (they are never sent: put them in an Authorization header)');
  }
  if ((parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search || parsed.hash) {
    throw new ConfigError(`${option}.url`, raw.url, 'an origin with no path, query or fragment');
  }
  const weight = raw.weight ?? 1;
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) {
    throw new ConfigError(`${option}.weight`, weight, 'a positive finite number');
  }
  if (raw.id !== undefined && (typeof raw.id !== 'string' || raw.id === '')) throw new ConfigError(`${option}.id`, raw.id, 'a non-empty string');
  if (raw.zone !== undefined && typeof raw.zone !== 'string') throw new ConfigError(`${option}.zone`, raw.zone, 'a string');
  return Object.freeze({
    id: (raw.id as string | undefined) ?? parsed.origin,
    url: parsed.origin,
    weight,
    zone: raw.zone as string | undefined,
    tags: toTags(raw.tags, `${option}.tags`),
  });
}

/** Tags: a plain object of string values, copied with a null prototype (a `__proto__` key is refused). */
function toTags(tags: unknown, option: string): Readonly<Record<string, string>> {
  if (tags === undefined) return NO_TAGS;
  if (!isPlainObject(tags)) throw new ConfigError(option, tags, 'an object of string labels');
  const out: Record<string, string> = {};
  for (const key of Reflect.ownKeys(tags)) {
    const value = (tags as Record<PropertyKey, unknown>)[key];
    if (typeof key !== 'string' || key === '__proto__') throw new ConfigError(`${option}.${String(key)}`, value, 'a label name other than __proto__');
    if (typeof value !== 'string') throw new ConfigError(`${option}.${key}`, value, 'a string');
    out[key] = value;
  }
  return Object.freeze(out);
}

const NO_TAGS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Validates a non-empty list of endpoints at `option` (`endpoints`, `services.payments.endpoints`).
 * @throws ConfigError when the list is empty or an entry is invalid (naming the entry)
 */
export function toEndpoints(endpoints: unknown, option: string): readonly Endpoint[] {
  if (!Array.isArray(endpoints)) throw new ConfigError(option, endpoints, 'an array of endpoint URLs or objects');
  if (endpoints.length === 0) throw new ConfigError(option, endpoints, 'at least one endpoint');
  return Object.freeze(endpoints.map((e: EndpointInput, i) => toEndpoint(e, `${option}[${i}]`)));
}

/** Whether two endpoints describe the same instance the same way (origin, weight, zone and tags; not the id). */
export function sameDescription(a: Endpoint, b: Endpoint): boolean {
  if (a.url !== b.url || a.weight !== b.weight || a.zone !== b.zone) return false;
  const ak = Object.keys(a.tags);
  const bk = Object.keys(b.tags);
  return ak.length === bk.length && ak.every((k) => a.tags[k] === b.tags[k]);
}

import { ConfigError } from '../core/errors.js';
import { isPlainObject, readOptions } from '../core/options.js';
import type { Discovery } from '../discovery/discovery.js';
import { parseAlertsOptions, type AlertSettings, type AlertsOptions } from '../health/alert-options.js';
import { parseServiceOptions, SERVICE_KEYS, type ServiceOptions, type ServiceSettings } from './service-options.js';

/**
 * A whole mesh configuration: every service the mesh calls, with its endpoints, subsets, routes
 * and policies. What a config source delivers (as JSON or YAML) and what `mesh.apply()` takes.
 * Given in code it may also hold objects (a discovery provider, a balancer, a fallback function);
 * from a file or a registry it is plain data, and services it lists without endpoints take their
 * provider from `createMesh({ discovery })`.
 */
export interface MeshConfig {
  /** A label for this config, reported in `config-applied` and `mesh.config()` (default: the source's version, such as a file's content hash, else the generation number). */
  version?: string | number;
  /** The services, by name: the name is also the host of `mesh.fetch('http://payments/...')`. */
  services: Record<string, ServiceOptions>;
  /** Alert rules over the services' success rate, p99, ejected share, budget refusals and discovery staleness. */
  alerts?: AlertsOptions;
}

/** A validated mesh configuration. */
export interface MeshSettings {
  readonly version: string | undefined;
  /** The services by lower-cased name. */
  readonly services: ReadonlyMap<string, ServiceSettings>;
  readonly alerts: AlertSettings;
}

/** What a service name may be: a host name (letters, digits, `-`, `_`, `.`). */
const SERVICE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?$/;

/**
 * Validates a whole mesh config. Every error names the option path (`services.payments.routes[1].split[0].weight`)
 * and the bad value; nothing is applied unless everything is valid.
 *
 * @param discovery - providers by service name, for services that list no endpoints
 * @throws ConfigError naming the option path and the bad value
 */
export function parseMeshConfig(value: unknown, discovery: ReadonlyMap<string, Discovery>): MeshSettings {
  const o = readOptions(value, '', ['version', 'services', 'alerts'] as const);
  let version: string | undefined;
  if (o.version !== undefined) {
    if ((typeof o.version !== 'string' || o.version === '') && (typeof o.version !== 'number' || !Number.isFinite(o.version))) {
      throw new ConfigError('version', o.version, 'a non-empty string or a number');
    }
    version = String(o.version);
  }
  if (!isPlainObject(o.services)) throw new ConfigError('services', o.services, 'an object of service name -> service options');
  const services = new Map<string, ServiceSettings>();
  for (const name of Reflect.ownKeys(o.services)) {
    if (typeof name !== 'string' || !SERVICE_NAME.test(name)) throw new ConfigError(`services.${String(name)}`, name, 'a service name made of letters, digits, "-", "_" and "."');
    const key = name.toLowerCase();
    if (services.has(key)) throw new ConfigError(`services.${name}`, name, 'a service name not given twice (names are case-insensitive)');
    const prefix = `services.${name}.`;
    const options = readOptions((o.services as Record<string, unknown>)[name], `services.${name}`, SERVICE_KEYS);
    services.set(key, parseServiceOptions(name, options, prefix, discovery.get(name) ?? discovery.get(key)));
  }
  return { version, services, alerts: parseAlertsOptions(o.alerts, 'alerts', new Set(services.keys())) };
}

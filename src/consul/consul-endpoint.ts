import type { EndpointInput } from '../fleet/endpoint.js';

/** One element of Consul's `/v1/health/service/:service` reply, as far as switchyard reads it. */
export interface ConsulHealthEntry {
  Node?: { Node?: string; Address?: string };
  Service?: {
    ID?: string;
    Address?: string;
    Port?: number;
    Tags?: string[] | null;
    Meta?: Record<string, string> | null;
    Weights?: { Passing?: number; Warning?: number } | null;
  };
  Checks?: { Status?: string }[] | null;
}

/** How {@link consulEndpoint} turns entries into endpoints. */
export interface ConsulEndpointRules {
  /** `http` or `https`. */
  readonly scheme: string;
  /** Leave out instances with a check in `warning` (critical ones are always left out). */
  readonly passingOnly: boolean;
}

/**
 * The endpoint of one health entry, keyed by node and service id, or undefined when the instance
 * must not get traffic: a check is critical (or warning, with `passingOnly`), its weight for that
 * state is 0, or it has no port. The address is the service's, else the node's (Consul's rule);
 * the weight is `Weights.Passing`, or `Weights.Warning` while a check warns (as Consul's DNS
 * interface weighs SRV records). Tags become endpoint tags: `key=value` gives `{ key: 'value' }`,
 * a plain `canary` gives `{ canary: 'true' }`; `Meta` entries are added as they are (and win).
 */
export function consulEndpoint(entry: ConsulHealthEntry, rules: ConsulEndpointRules): [key: string, endpoint: EndpointInput] | undefined {
  const service = entry.Service ?? {};
  const port = service.Port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  const status = worstStatus(entry.Checks ?? []);
  if (status === 'critical' || (status === 'warning' && rules.passingOnly)) return undefined;
  const weight = (status === 'warning' ? service.Weights?.Warning : service.Weights?.Passing) ?? 1;
  if (!(weight > 0)) return undefined;
  const address = service.Address || entry.Node?.Address || '';
  const host = address.includes(':') ? `[${address}]` : address;
  const tags: Record<string, string> = {};
  for (const tag of service.Tags ?? []) {
    const eq = tag.indexOf('=');
    if (eq > 0) tags[tag.slice(0, eq)] = tag.slice(eq + 1);
    else tags[tag] = 'true';
  }
  Object.assign(tags, service.Meta ?? {});
  const key = `${entry.Node?.Node ?? ''}/${service.ID ?? `${address}:${port}`}`;
  return [key, { url: `${rules.scheme}://${host}:${port}`, weight, tags }];
}

/**
 * The worst status among the entry's checks (node checks included, as Consul's `passing` filter
 * counts them); a status other than `passing` or `warning` counts as critical.
 */
function worstStatus(checks: readonly { Status?: string }[]): 'passing' | 'warning' | 'critical' {
  let worst: 'passing' | 'warning' = 'passing';
  for (const check of checks) {
    if (check.Status === 'warning') worst = 'warning';
    else if (check.Status !== 'passing') return 'critical';
  }
  return worst;
}

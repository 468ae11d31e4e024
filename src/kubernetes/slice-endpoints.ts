import type { EndpointInput } from '../fleet/endpoint.js';

/** A `discovery.k8s.io/v1` EndpointSlice, as far as switchyard reads it. */
export interface EndpointSliceObject {
  metadata?: { name?: string };
  addressType?: string;
  endpoints?: SliceEndpointObject[] | null;
  ports?: { name?: string | null; port?: number | null }[] | null;
}

/** One endpoint of a slice. */
export interface SliceEndpointObject {
  addresses?: string[];
  conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null } | null;
  zone?: string | null;
  nodeName?: string | null;
  hints?: { forZones?: { name?: string }[] | null } | null;
  targetRef?: { kind?: string; name?: string } | null;
}

/** How {@link sliceEndpoints} picks endpoints. */
export interface SliceRules {
  /** The port: its name in the slices (`http`), or a number; undefined takes a slice's only port. */
  readonly port: string | number | undefined;
  /** `http` or `https`. */
  readonly scheme: string;
  /** Only slices of this address type (`IPv4`, `IPv6`, `FQDN`); undefined takes all. */
  readonly addressType: string | undefined;
}

/** The endpoints of a service's slices, and the slices left out because their port could not be told. */
export interface SliceEndpoints {
  readonly entries: [key: string, endpoint: EndpointInput][];
  readonly problems: string[];
}

/**
 * The endpoints a client should send to, from all the EndpointSlices of one service, keyed by
 * slice and address. Ready endpoints are used (a missing `ready` counts as ready, as the API asks);
 * when none is ready, endpoints that are `serving` while `terminating` are used instead, so a
 * service that is rolling over still answers (kube-proxy does the same, KEP-1669). The endpoint's
 * zone follows the slice's topology hints: its own zone when the hints name it, else the first
 * zone it is hinted for (so a client that prefers its own zone follows Kubernetes' allocation),
 * else the zone it runs in. Tags: `node`, `pod` (a Pod target's name), `topology.kubernetes.io/zone`
 * (the zone it runs in), and `terminating: 'true'` for terminating fallbacks.
 */
export function sliceEndpoints(slices: readonly EndpointSliceObject[], rules: SliceRules): SliceEndpoints {
  const ready: [string, EndpointInput][] = [];
  const draining: [string, EndpointInput][] = [];
  const problems: string[] = [];
  for (const slice of slices) {
    if (rules.addressType !== undefined && slice.addressType !== rules.addressType) continue;
    const name = slice.metadata?.name ?? '';
    const port = portOf(slice, rules.port);
    if (typeof port === 'string') {
      if ((slice.endpoints ?? []).length > 0) problems.push(`slice ${name}: ${port}`);
      continue;
    }
    for (const endpoint of slice.endpoints ?? []) {
      const c = endpoint.conditions ?? {};
      const isReady = c.ready !== false;
      const isDraining = !isReady && c.terminating === true && c.serving === true;
      if (!isReady && !isDraining) continue;
      for (const address of endpoint.addresses ?? []) {
        const host = address.includes(':') ? `[${address}]` : address;
        const entry: [string, EndpointInput] = [`${name}/${address}`, { url: `${rules.scheme}://${host}:${port}`, ...zoneOf(endpoint), tags: tagsOf(endpoint, isDraining) }];
        (isReady ? ready : draining).push(entry);
      }
    }
  }
  return { entries: ready.length > 0 ? ready : draining, problems };
}

/** The slice's port number for `wanted`, or why there is none. */
function portOf(slice: EndpointSliceObject, wanted: string | number | undefined): number | string {
  const ports = slice.ports ?? [];
  if (typeof wanted === 'number') return wanted;
  const names = ports.map((p) => JSON.stringify(p.name ?? '')).join(', ') || 'none';
  const port = wanted === undefined ? (ports.length === 1 ? ports[0] : undefined) : ports.find((p) => p.name === wanted);
  if (typeof port?.port === 'number') return port.port;
  return wanted === undefined ? `several ports (${names}); name one with the port option` : `no port named ${JSON.stringify(wanted)} (it has ${names})`;
}

function zoneOf(endpoint: SliceEndpointObject): { zone?: string } {
  const hinted = (endpoint.hints?.forZones ?? []).map((z) => z.name).filter((z): z is string => typeof z === 'string' && z !== '');
  const own = endpoint.zone ?? undefined;
  const zone = hinted.length === 0 || (own !== undefined && hinted.includes(own)) ? own : hinted[0];
  return zone === undefined ? {} : { zone };
}

function tagsOf(endpoint: SliceEndpointObject, draining: boolean): Record<string, string> {
  const tags: Record<string, string> = {};
  if (endpoint.nodeName) tags.node = endpoint.nodeName;
  if (endpoint.targetRef?.kind === 'Pod' && endpoint.targetRef.name) tags.pod = endpoint.targetRef.name;
  if (endpoint.zone) tags['topology.kubernetes.io/zone'] = endpoint.zone;
  if (draining) tags.terminating = 'true';
  return tags;
}

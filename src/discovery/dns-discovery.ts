import { getServers } from 'node:dns';
import { isIP } from 'node:net';
import type { Answer, RecordType, SrvAnswer, StringAnswer } from 'dns-packet';
import type { Clock } from '../core/clock.js';
import { ConfigError, DiscoveryError } from '../core/errors.js';
import { numberOption, readOptions, stringOption } from '../core/options.js';
import { randomInt, systemRng, type Rng } from '../core/rng.js';
import { DEFAULTS } from '../defaults.js';
import type { EndpointInput } from '../fleet/endpoint.js';
import { loadDnsPacket, queryDns, recordsOf, type DnsServer } from './dns-query.js';
import type { DiscoveryBaseOptions, ManagedDiscovery } from './managed-discovery.js';
import { pollingDiscovery, type PollResult } from './polling-discovery.js';

/** Options of {@link dnsDiscovery}. */
export interface DnsDiscoveryOptions {
  /** The name to resolve: a host name for A/AAAA, a service name such as `_http._tcp.payments.internal` for SRV. */
  name: string;
  /** `SRV` (default when the name starts with `_`), `A`, `AAAA`, or `A+AAAA` (both; the default otherwise is `A`). */
  type?: 'A' | 'AAAA' | 'A+AAAA' | 'SRV';
  /** The port of A/AAAA endpoints (required for them; SRV records carry their own). */
  port?: number;
  /** `http` (default) or `https`. */
  protocol?: 'http' | 'https';
  /** DNS servers as `host` or `host:port` (`[v6]:port`); default: the system's (`node:dns` `getServers()`). Tried in order. */
  servers?: readonly string[];
  /** Shortest refresh (ms) a record's TTL can ask for (default 1 000). */
  minTtlMs?: number;
  /** Longest refresh (ms) a record's TTL can ask for (default 300 000). */
  maxTtlMs?: number;
  /** Time allowed for one refresh, every query included (ms, default 5 000). */
  timeoutMs?: number;
  /** Backoff (ms) between failed refreshes (the base's defaults). */
  backoff?: DiscoveryBaseOptions['backoff'];
  /** Clock of refreshes and backoff (default: the system clock). */
  clock?: Clock;
  /** Random source of query ids and jitter (default: `Math.random`). */
  rng?: Rng;
}

/**
 * Endpoints from DNS, refreshed when the records' TTL runs out (the smallest TTL of the answer,
 * clamped to `[minTtlMs, maxTtlMs]`). A/AAAA records give one endpoint per address on `port`;
 * SRV records (RFC 2782) give one per target of the lowest priority present, its weight the
 * record's weight (a weight of 0 counts as 0.01: rarely picked, never excluded), with tags
 * `priority` and `target`; SRV targets are resolved to addresses through the additional section
 * or an A/AAAA query to the same server. Queries go over UDP with `dns-packet` (an optional peer
 * dependency), and over TCP when an answer is truncated. A failed, timed-out or empty answer
 * keeps the last good set.
 *
 * @example
 * import { dnsDiscovery } from 'switchyard/dns';
 * const discovery = dnsDiscovery({ name: '_http._tcp.payments.internal' });
 */
export function dnsDiscovery(options: DnsDiscoveryOptions): ManagedDiscovery {
  const o = readOptions(options, '', ['name', 'type', 'port', 'protocol', 'servers', 'minTtlMs', 'maxTtlMs', 'timeoutMs', 'backoff', 'clock', 'rng'] as const);
  const name = stringOption(o.name, 'name').replace(/\.$/, '');
  const type = o.type ?? (name.startsWith('_') ? 'SRV' : 'A');
  if (type !== 'A' && type !== 'AAAA' && type !== 'A+AAAA' && type !== 'SRV') throw new ConfigError('type', o.type, '"A", "AAAA", "A+AAAA" or "SRV"');
  const port = type === 'SRV' ? undefined : numberOption(o.port, 'port', NaN, { min: 1, max: 65_535, integer: true });
  if (Number.isNaN(port)) throw new ConfigError('port', o.port, `a port number (required for ${type} records)`);
  const protocol = o.protocol ?? 'http';
  if (protocol !== 'http' && protocol !== 'https') throw new ConfigError('protocol', o.protocol, '"http" or "https"');
  const servers = parseServers(o.servers ?? getServers(), 'servers');
  const rng = (o.rng as Rng | undefined) ?? systemRng;
  const families: RecordType[] = type === 'A+AAAA' ? ['A', 'AAAA'] : type === 'SRV' ? [] : [type];
  const resolver = new Resolver(servers, rng);
  return pollingDiscovery({
    name: `dns ${name}`,
    minRefreshMs: numberOption(o.minTtlMs, 'minTtlMs', DEFAULTS.discovery.minRefreshMs, { min: 1 }),
    maxRefreshMs: o.maxTtlMs as number | undefined,
    timeoutMs: o.timeoutMs as number | undefined,
    backoff: o.backoff as DiscoveryBaseOptions['backoff'],
    clock: o.clock as Clock | undefined,
    rng,
    poll: (signal) => (type === 'SRV' ? resolver.srv(name, protocol, signal) : resolver.addresses(name, families, port!, protocol, signal)),
  });
}

/** Queries the servers in order, the next one when a query fails. */
class Resolver {
  readonly #servers: readonly DnsServer[];
  readonly #rng: Rng;

  constructor(servers: readonly DnsServer[], rng: Rng) {
    this.#servers = servers;
    this.#rng = rng;
  }

  async addresses(name: string, families: readonly RecordType[], port: number, protocol: string, signal: AbortSignal): Promise<PollResult> {
    const found = await Promise.all(families.map((family) => this.#ask(name, family, signal)));
    const records = found.flat() as StringAnswer[];
    return { endpoints: records.map((r) => `${protocol}://${hostOf(r.data)}:${port}`), ttlMs: minTtlMs(records) };
  }

  async srv(name: string, protocol: string, signal: AbortSignal): Promise<PollResult> {
    const { records, additionals } = await this.#askWithAdditionals(name, 'SRV', signal);
    const srv = records as SrvAnswer[];
    if (srv.length === 0) return { endpoints: [] };
    const lowest = Math.min(...srv.map((r) => r.data.priority ?? 0));
    const endpoints: EndpointInput[] = [];
    const used: Answer[] = [...srv];
    for (const record of srv) {
      if ((record.data.priority ?? 0) !== lowest) continue;
      const target = record.data.target.replace(/\.$/, '');
      let addresses = isIP(target) ? [{ type: 'A', name: target, data: target, ttl: record.ttl } as StringAnswer] : ([...recordsOf(additionals, 'A', target), ...recordsOf(additionals, 'AAAA', target)] as StringAnswer[]);
      if (addresses.length === 0) addresses = (await this.#ask(target, 'A', signal).catch(() => [])) as StringAnswer[];
      if (addresses.length === 0) addresses = (await this.#ask(target, 'AAAA', signal)) as StringAnswer[];
      used.push(...addresses);
      for (const a of addresses) {
        endpoints.push({
          url: `${protocol}://${hostOf(a.data)}:${record.data.port}`,
          weight: (record.data.weight ?? 0) > 0 ? record.data.weight! : 0.01,
          tags: { priority: String(lowest), target },
        });
      }
    }
    return { endpoints, ttlMs: minTtlMs(used) };
  }

  async #ask(name: string, type: RecordType, signal: AbortSignal): Promise<Answer[]> {
    return (await this.#askWithAdditionals(name, type, signal)).records;
  }

  async #askWithAdditionals(name: string, type: RecordType, signal: AbortSignal): Promise<{ records: Answer[]; additionals: import('dns-packet').DecodedPacket }> {
    const packet = await loadDnsPacket();
    let last: unknown;
    for (const server of this.#servers) {
      try {
        const answer = await queryDns(packet, server, name, type, randomInt(this.#rng, 65_536), signal);
        return { records: recordsOf(answer, type, name), additionals: answer };
      } catch (error) {
        if (signal.aborted) throw error;
        last = error;
      }
    }
    throw last instanceof DiscoveryError ? last : new DiscoveryError(`dns ${name}`, `${type} query failed on every server (${(last as Error)?.message ?? last})`, { cause: last });
  }
}

function minTtlMs(records: readonly Answer[]): number | undefined {
  if (records.length === 0) return undefined;
  return Math.min(...records.map((r) => ((r as { ttl?: number }).ttl ?? 0) * 1_000));
}

function hostOf(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

function parseServers(value: unknown, option: string): DnsServer[] {
  if (!Array.isArray(value) || value.length === 0) throw new ConfigError(option, value, 'a non-empty list of "host" or "host:port"');
  return value.map((entry: unknown, i) => {
    const where = `${option}[${i}]`;
    if (typeof entry !== 'string') throw new ConfigError(where, entry, 'a string "host" or "host:port"');
    const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    const [host, port] = v6 ? [v6[1]!, v6[2]] : isIP(entry) === 6 ? [entry, undefined] : (entry.split(':') as [string, string | undefined]);
    const portNumber = port === undefined ? 53 : Number(port);
    if (!isIP(host) || !Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65_535) throw new ConfigError(where, entry, 'an IP address with an optional port, e.g. "127.0.0.1:5353"');
    return { host, port: portNumber };
  });
}

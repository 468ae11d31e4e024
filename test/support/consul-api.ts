/**
 * A stand-in for the part of Consul's HTTP API that switchyard's Consul provider, registration and
 * KV config source use, served on 127.0.0.1 for the real `consul` npm client to talk to. No Consul
 * agent can be installed here, so the provider tests are contract tests against this server; each
 * behaviour follows Consul's API documentation (developer.hashicorp.com/consul/api-docs):
 *
 * - `GET /v1/health/service/:name` with `passing`, `tag`, `dc`, and blocking queries: `index` and
 *   `wait` hold the request until the service's index passes `index` or `wait` runs out; every
 *   reply carries `X-Consul-Index` (which {@link ConsulStandIn.setIndex} can move backwards, as a
 *   snapshot restore does).
 * - `PUT /v1/agent/service/register`, `/v1/agent/service/deregister/:id`, `/v1/agent/check/pass/:id`:
 *   a TTL check starts critical, turns critical again when `TTL` passes without a pass, and a
 *   service critical for `DeregisterCriticalServiceAfter` is reaped. {@link ConsulStandIn.restartAgent}
 *   forgets every registration, as an agent restarted without its data dir does.
 * - `GET/PUT/DELETE /v1/kv/:key`, the GET blocking like the health endpoint, 404 for a missing key.
 *
 * Time (TTL expiry, `wait`) runs on the clock it is given, so tests can drive it with a ManualClock.
 * The server runs in the test's own process so a test can change the catalog between two calls.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock, type TimerHandle } from '../../src/core/clock.js';

/** A check's state, as Consul names it. */
export type CheckStatus = 'passing' | 'warning' | 'critical';

/** A service instance in the catalog. */
export interface CatalogService {
  id: string;
  name: string;
  address: string;
  port: number;
  tags?: string[];
  meta?: Record<string, string>;
  weights?: { Passing: number; Warning: number };
  node?: string;
  /** The service check's status (default passing). */
  status?: CheckStatus;
}

/** A request the stand-in answered. */
export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

interface Check {
  id: string;
  serviceId: string;
  status: CheckStatus;
  ttlMs: number | undefined;
  reapAfterMs: number | undefined;
  expiry: TimerHandle | undefined;
  reap: TimerHandle | undefined;
  passes: number;
}

interface Instance {
  service: CatalogService;
  createIndex: number;
  modifyIndex: number;
  /** Registered through the agent API (and so forgotten by an agent restart). */
  agent: boolean;
  registration: Record<string, unknown> | undefined;
}

interface KvEntry {
  value: Buffer;
  flags: number;
  createIndex: number;
  modifyIndex: number;
}

interface Waiter {
  resource: string;
  index: number;
  timer: TimerHandle;
  answer: () => void;
}

/** What {@link startConsulStandIn} returns. */
export interface ConsulStandIn {
  readonly host: string;
  readonly port: number;
  /** Every request answered so far, oldest first. */
  readonly requests: SeenRequest[];
  /** Adds or replaces a service instance in the catalog. */
  putService(service: CatalogService): void;
  /** Sets the status of an instance's service check. */
  setStatus(id: string, status: CheckStatus): void;
  /** Removes an instance from the catalog. */
  removeService(id: string): void;
  /** The body an agent registration sent for `id`, if registered. */
  registration(id: string): Record<string, unknown> | undefined;
  /** The status of check `checkId`, if it exists. */
  checkStatus(checkId: string): CheckStatus | undefined;
  /** How many times check `checkId` was passed. */
  passes(checkId: string): number;
  /** Forgets every agent registration and its checks (an agent restarted without state). */
  restartAgent(): void;
  /** Writes a KV key. */
  putKey(key: string, value: string): void;
  /** Deletes a KV key. */
  deleteKey(key: string): void;
  /** Sets the index every resource reports (a snapshot restore or a new cluster moves it backwards). */
  setIndex(index: number): void;
  /** The next `count` requests whose path starts with `pathPrefix` get `status`. */
  failNext(pathPrefix: string, status: number, count?: number): void;
  /** Requests held by a blocking query right now. */
  readonly blocked: number;
  /** Stops listening and drops every connection (Consul is down); the catalog is kept. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** Stops for good and cancels every timer. */
  close(): Promise<void>;
}

const NODE = 'stand-in-node';
const DATACENTER = 'dc1';

/** Parses a Consul duration ("10s", "500ms", "1m", "1h"); undefined when malformed. */
function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$/.exec(text);
  if (!m) return undefined;
  const unit = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[m[2]!]!;
  return Number(m[1]) * unit;
}

/** Starts the stand-in on 127.0.0.1 (a free port unless `port` is given). */
export async function startConsulStandIn(options: { clock?: Clock; port?: number } = {}): Promise<ConsulStandIn> {
  const clock = options.clock ?? systemClock;
  const instances = new Map<string, Instance>();
  const checks = new Map<string, Check>();
  const kv = new Map<string, KvEntry>();
  /** Modify index per resource (`service:<name>`, `kv:<key>`); a resource never written reports `index`. */
  const indexes = new Map<string, number>();
  const waiters = new Set<Waiter>();
  const failures: { prefix: string; status: number; left: number }[] = [];
  const requests: SeenRequest[] = [];
  let index = 1;

  const bump = (resource: string): number => {
    index += 1;
    indexes.set(resource, index);
    // Answer held queries once the caller has finished writing the change.
    queueMicrotask(() => {
      for (const w of [...waiters]) if (w.resource === resource && indexOf(resource) > w.index) w.answer();
    });
    return index;
  };
  const indexOf = (resource: string): number => indexes.get(resource) ?? index;

  const touchService = (id: string): void => {
    const instance = instances.get(id);
    if (!instance) return;
    instance.modifyIndex = bump(`service:${instance.service.name}`);
  };

  const setCheck = (check: Check, status: CheckStatus): void => {
    if (check.status === status) return;
    check.status = status;
    if (check.reap !== undefined) clock.clearTimeout(check.reap);
    check.reap = undefined;
    if (status === 'critical' && check.reapAfterMs !== undefined) {
      check.reap = clock.setTimeout(() => deregister(check.serviceId), check.reapAfterMs);
    }
    touchService(check.serviceId);
  };

  const armExpiry = (check: Check): void => {
    if (check.expiry !== undefined) clock.clearTimeout(check.expiry);
    check.expiry = check.ttlMs === undefined ? undefined : clock.setTimeout(() => setCheck(check, 'critical'), check.ttlMs);
  };

  const dropCheck = (check: Check): void => {
    if (check.expiry !== undefined) clock.clearTimeout(check.expiry);
    if (check.reap !== undefined) clock.clearTimeout(check.reap);
    checks.delete(check.id);
  };

  const deregister = (id: string): boolean => {
    const instance = instances.get(id);
    if (!instance) return false;
    for (const check of [...checks.values()]) if (check.serviceId === id) dropCheck(check);
    instances.delete(id);
    bump(`service:${instance.service.name}`);
    return true;
  };

  const putService = (service: CatalogService, agent: boolean, registration?: Record<string, unknown>): void => {
    const previous = instances.get(service.id);
    if (previous && previous.service.name !== service.name) deregister(service.id);
    const kept = instances.get(service.id);
    const modifyIndex = bump(`service:${service.name}`);
    instances.set(service.id, { service, createIndex: kept?.createIndex ?? modifyIndex, modifyIndex, agent, registration });
  };

  const statusOf = (id: string): CheckStatus => {
    let worst: CheckStatus = 'passing';
    for (const check of checks.values()) {
      if (check.serviceId !== id) continue;
      if (check.status === 'critical') return 'critical';
      if (check.status === 'warning') worst = 'warning';
    }
    return worst;
  };

  const healthEntry = (instance: Instance): unknown => {
    const s = instance.service;
    const serviceChecks = [...checks.values()].filter((c) => c.serviceId === s.id);
    return {
      Node: { ID: '00000000-0000-0000-0000-000000000001', Node: s.node ?? NODE, Address: '127.0.0.1', Datacenter: DATACENTER, TaggedAddresses: { lan: '127.0.0.1', wan: '127.0.0.1' }, Meta: {}, CreateIndex: 1, ModifyIndex: 1 },
      Service: {
        ID: s.id,
        Service: s.name,
        Tags: s.tags ?? [],
        Address: s.address,
        Meta: s.meta ?? {},
        Port: s.port,
        Weights: s.weights ?? { Passing: 1, Warning: 1 },
        EnableTagOverride: false,
        CreateIndex: instance.createIndex,
        ModifyIndex: instance.modifyIndex,
      },
      Checks: [
        { Node: s.node ?? NODE, CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing', Notes: '', Output: 'Agent alive and reachable', ServiceID: '', ServiceName: '', ServiceTags: [] },
        ...serviceChecks.map((c) => ({ Node: s.node ?? NODE, CheckID: c.id, Name: `Service '${s.name}' check`, Status: c.status, Notes: '', Output: '', ServiceID: s.id, ServiceName: s.name, ServiceTags: s.tags ?? [] })),
      ],
    };
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', ...headers });
    res.end(text);
  };

  /** Answers now, or once `resource` passes `index` or `wait` runs out (Consul's blocking query). */
  const blocking = (req: IncomingMessage, res: ServerResponse, query: Record<string, string>, resource: string, answer: () => void): void => {
    const asked = query.index === undefined ? undefined : Number(query.index);
    if (asked === undefined || !Number.isFinite(asked) || indexOf(resource) > asked) return answer();
    const wait = Math.min(query.wait === undefined ? 300_000 : (parseDuration(query.wait) ?? 300_000), 600_000);
    const waiter: Waiter = {
      resource,
      index: asked,
      timer: clock.setTimeout(() => waiter.answer(), wait),
      answer: () => {
        waiters.delete(waiter);
        clock.clearTimeout(waiter.timer);
        if (!res.destroyed) answer();
      },
    };
    waiters.add(waiter);
    req.socket.once('close', () => {
      waiters.delete(waiter);
      clock.clearTimeout(waiter.timer);
    });
  };

  const meta = (resource: string): Record<string, string> => ({ 'x-consul-index': String(indexOf(resource)), 'x-consul-knownleader': 'true', 'x-consul-lastcontact': '0' });

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const query = Object.fromEntries(url.searchParams);
    const path = decodeURIComponent(url.pathname);
    requests.push({ method: req.method ?? 'GET', path, query, headers: req.headers, body });
    const failure = failures.find((f) => path.startsWith(f.prefix) && f.left > 0);
    if (failure) {
      failure.left -= 1;
      return send(res, failure.status, 'stand-in failure');
    }
    if (query.dc !== undefined && query.dc !== DATACENTER) return send(res, 500, `No path to datacenter`);

    let m: RegExpExecArray | null;
    if (req.method === 'GET' && (m = /^\/v1\/health\/service\/(.+)$/.exec(path))) {
      const name = m[1]!;
      const tags = url.searchParams.getAll('tag');
      const passing = query.passing !== undefined && query.passing !== 'false' && query.passing !== '0';
      return blocking(req, res, query, `service:${name}`, () => {
        const entries = [...instances.values()]
          .filter((i) => i.service.name === name)
          .filter((i) => tags.every((t) => (i.service.tags ?? []).includes(t)))
          .filter((i) => !passing || statusOf(i.service.id) === 'passing')
          .sort((a, b) => (a.service.id < b.service.id ? -1 : 1))
          .map(healthEntry);
        send(res, 200, entries, meta(`service:${name}`));
      });
    }
    if (req.method === 'PUT' && path === '/v1/agent/service/register') return register(res, body);
    if (req.method === 'PUT' && (m = /^\/v1\/agent\/service\/deregister\/(.+)$/.exec(path))) {
      const instance = instances.get(m[1]!);
      if (!instance?.agent) return send(res, 404, `Unknown service ID "${m[1]}". Ensure that the service ID is passed, not the service name.`);
      deregister(m[1]!);
      return send(res, 200, '');
    }
    if (req.method === 'PUT' && (m = /^\/v1\/agent\/check\/pass\/(.+)$/.exec(path))) {
      const check = checks.get(m[1]!);
      if (!check) return send(res, 404, `Unknown check ID "${m[1]}". Ensure that the check ID is passed, not the check name.`);
      if (check.ttlMs === undefined) return send(res, 500, `CheckID "${m[1]}" does not have associated TTL`);
      check.passes += 1;
      armExpiry(check);
      setCheck(check, 'passing');
      return send(res, 200, '');
    }
    if ((m = /^\/v1\/kv\/(.+)$/.exec(path))) {
      const key = m[1]!;
      if (req.method === 'GET') {
        return blocking(req, res, query, `kv:${key}`, () => {
          const entry = kv.get(key);
          if (!entry) return send(res, 404, '', meta(`kv:${key}`));
          send(res, 200, [{ LockIndex: 0, Key: key, Flags: entry.flags, Value: entry.value.toString('base64'), CreateIndex: entry.createIndex, ModifyIndex: entry.modifyIndex }], meta(`kv:${key}`));
        });
      }
      if (req.method === 'PUT') {
        putKey(key, Buffer.from(body));
        return send(res, 200, true);
      }
      if (req.method === 'DELETE') {
        deleteKey(key);
        return send(res, 200, true);
      }
    }
    send(res, 404, `stand-in: ${req.method} ${path} is not part of the contract`);
  };

  const register = (res: ServerResponse, body: string): void => {
    let spec: Record<string, unknown>;
    try {
      spec = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return send(res, 400, 'Request decode failed');
    }
    if (typeof spec.Name !== 'string' || spec.Name === '') return send(res, 400, 'Missing service name');
    const id = typeof spec.ID === 'string' && spec.ID !== '' ? spec.ID : spec.Name;
    const definitions = [...(spec.Check ? [spec.Check] : []), ...((spec.Checks as unknown[] | undefined) ?? [])] as Record<string, unknown>[];
    const parsed: Check[] = [];
    for (const [i, def] of definitions.entries()) {
      const ttlMs = typeof def.TTL === 'string' ? parseDuration(def.TTL) : undefined;
      if (def.TTL !== undefined && ttlMs === undefined) return send(res, 400, `Invalid check: TTL ${String(def.TTL)}`);
      const reapAfterMs = typeof def.DeregisterCriticalServiceAfter === 'string' ? parseDuration(def.DeregisterCriticalServiceAfter) : undefined;
      const checkId = typeof def.CheckID === 'string' ? def.CheckID : definitions.length === 1 ? `service:${id}` : `service:${id}:${i + 1}`;
      const status = def.Status === 'passing' || def.Status === 'warning' ? def.Status : 'critical';
      parsed.push({ id: checkId, serviceId: id, status, ttlMs, reapAfterMs, expiry: undefined, reap: undefined, passes: 0 });
    }
    for (const check of [...checks.values()]) if (check.serviceId === id) dropCheck(check);
    putService(
      {
        id,
        name: spec.Name,
        address: typeof spec.Address === 'string' ? spec.Address : '127.0.0.1',
        port: typeof spec.Port === 'number' ? spec.Port : 0,
        tags: (spec.Tags as string[] | undefined) ?? [],
        meta: (spec.Meta as Record<string, string> | undefined) ?? {},
        ...(spec.Weights ? { weights: spec.Weights as { Passing: number; Warning: number } } : {}),
      },
      true,
      spec,
    );
    for (const check of parsed) {
      checks.set(check.id, check);
      armExpiry(check);
      if (check.status === 'critical' && check.reapAfterMs !== undefined) check.reap = clock.setTimeout(() => deregister(id), check.reapAfterMs);
    }
    touchService(id);
    send(res, 200, '');
  };

  const putKey = (key: string, value: Buffer): void => {
    const previous = kv.get(key);
    const modifyIndex = bump(`kv:${key}`);
    kv.set(key, { value, flags: 0, createIndex: previous?.createIndex ?? modifyIndex, modifyIndex });
  };
  const deleteKey = (key: string): void => {
    kv.delete(key);
    bump(`kv:${key}`);
  };

  const setStatus = (id: string, status: CheckStatus): void => {
    const instance = instances.get(id);
    if (!instance) throw new Error(`no instance ${id}`);
    const checkId = `service:${id}`;
    const check = checks.get(checkId) ?? { id: checkId, serviceId: id, status: 'passing', ttlMs: undefined, reapAfterMs: undefined, expiry: undefined, reap: undefined, passes: 0 };
    checks.set(checkId, check);
    if (check.status === status) return;
    setCheck(check, status);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const port = await listen(options.port ?? 0);
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      for (const w of [...waiters]) {
        waiters.delete(w);
        clock.clearTimeout(w.timer);
      }
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });

  return {
    host: '127.0.0.1',
    port,
    requests,
    putService(service) {
      putService(service, false);
      if (service.status !== undefined) setStatus(service.id, service.status);
    },
    setStatus,
    removeService: (id) => void deregister(id),
    registration: (id) => instances.get(id)?.registration,
    checkStatus: (checkId) => checks.get(checkId)?.status,
    passes: (checkId) => checks.get(checkId)?.passes ?? 0,
    restartAgent() {
      for (const [id, instance] of [...instances]) if (instance.agent) deregister(id);
    },
    putKey: (key, value) => putKey(key, Buffer.from(value)),
    deleteKey,
    setIndex(next) {
      index = next;
      for (const resource of indexes.keys()) indexes.set(resource, next);
    },
    failNext(prefix, status, count = 1) {
      failures.push({ prefix, status, left: count });
    },
    get blocked() {
      return waiters.size;
    },
    stop,
    async start() {
      if (!server.listening) await listen(port);
    },
    async close() {
      await stop();
      for (const check of [...checks.values()]) dropCheck(check);
    },
  };
}

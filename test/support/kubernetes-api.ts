/**
 * A stand-in for the part of the Kubernetes API server that switchyard's Kubernetes provider
 * uses: list and watch of `discovery.k8s.io/v1` EndpointSlices in a namespace, served on
 * 127.0.0.1 for the real `@kubernetes/client-node` client to talk to. No API server can be
 * installed here, so the provider tests are contract tests against this server. It follows the
 * API conventions (kubernetes.io/docs/reference/using-api/api-concepts):
 *
 * - a list answers `EndpointSliceList` with the collection's `metadata.resourceVersion`;
 *   `labelSelector` (`key=value`, comma-separated) filters it;
 * - `watch=true&resourceVersion=R` streams newline-delimited `ADDED`/`MODIFIED`/`DELETED`
 *   events after R, each object carrying its own `resourceVersion`; a watch without R starts
 *   with a synthetic `ADDED` per object;
 * - a resourceVersion older than the retained history ({@link KubernetesStandIn.compact}) is
 *   410 Gone: as an HTTP status, or (the API server's usual way) an `ERROR` event with a 410
 *   `Status` on a 200 stream that then ends;
 * - requests without the expected bearer token get 401.
 *
 * It runs in the test's own process so a test can change the slices between two events.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An endpoint of a slice, as the test writes it. */
export interface SliceEndpoint {
  addresses: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  zone?: string;
  nodeName?: string;
  hints?: { forZones?: { name: string }[] };
  targetRef?: { kind: string; name: string; namespace?: string };
}

/** A slice, as the test writes it; the stand-in adds `apiVersion`, `kind` and `metadata`. */
export interface SliceInput {
  name: string;
  /** The Service it belongs to (label `kubernetes.io/service-name`). */
  service: string;
  namespace?: string;
  addressType?: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints: SliceEndpoint[];
  ports?: { name?: string; port: number; protocol?: string; appProtocol?: string }[];
}

/** A request the stand-in answered. */
export interface SeenRequest {
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';
interface Stored {
  rv: number;
  object: Record<string, unknown>;
}
interface HistoryEvent {
  rv: number;
  type: EventType;
  object: Record<string, unknown>;
}
interface Watcher {
  namespace: string;
  selector: Record<string, string>;
  res: ServerResponse;
}

/** What {@link startKubernetesStandIn} returns. */
export interface KubernetesStandIn {
  /** The API server URL (`http://127.0.0.1:<port>`). */
  readonly server: string;
  /** The bearer token requests must carry. */
  readonly token: string;
  /** Every request answered so far, oldest first. */
  readonly requests: SeenRequest[];
  /** Watch streams open now. */
  readonly watching: number;
  /** Creates or replaces a slice (an `ADDED` or `MODIFIED` event). */
  apply(slice: SliceInput): void;
  /** Deletes a slice (a `DELETED` event). */
  remove(name: string, namespace?: string): void;
  /** Drops the event history: watches from an older resourceVersion get 410 Gone. */
  compact(): void;
  /** How a too-old watch is told: an HTTP 410 (`status`) or a 410 `ERROR` event on a 200 stream (`event`, the default). */
  expiredAs: 'status' | 'event';
  /** Ends every open watch stream, as the API server does when a watch times out. */
  closeWatches(): void;
  /** The next `count` list (or watch) requests get `status`. */
  failNext(kind: 'list' | 'watch', status: number, count?: number): void;
  /** The next `count` list (or watch) requests get no answer at all, until the client gives up. */
  hangNext(kind: 'list' | 'watch', count?: number): void;
  /** Requests held by {@link KubernetesStandIn.hangNext} whose client has not given up yet. */
  readonly hanging: number;
  /** Stops listening and drops every connection (the API server is down); the slices are kept. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

const SERVICE_LABEL = 'kubernetes.io/service-name';

/** Starts the stand-in on 127.0.0.1 (a free port unless `port` is given). */
export async function startKubernetesStandIn(options: { port?: number; token?: string } = {}): Promise<KubernetesStandIn> {
  const token = options.token ?? 'stand-in-token';
  const slices = new Map<string, Stored>();
  let history: HistoryEvent[] = [];
  let compactedThrough = 0;
  let rv = 100;
  const watchers = new Set<Watcher>();
  const failures: { kind: 'list' | 'watch'; status: number | 'hang'; left: number }[] = [];
  const hung = new Set<IncomingMessage>();
  const requests: SeenRequest[] = [];

  const matches = (object: Record<string, unknown>, namespace: string, selector: Record<string, string>): boolean => {
    const meta = object.metadata as { namespace: string; labels: Record<string, string> };
    return meta.namespace === namespace && Object.entries(selector).every(([k, v]) => meta.labels[k] === v);
  };

  const line = (res: ServerResponse, type: string, object: unknown): void => void res.write(`${JSON.stringify({ type, object })}\n`);

  const record = (type: EventType, object: Record<string, unknown>): void => {
    history.push({ rv, type, object });
    for (const w of watchers) if (matches(object, w.namespace, w.selector)) line(w.res, type, object);
  };

  const status = (code: number, reason: string, message: string): Record<string, unknown> => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });

  const send = (res: ServerResponse, code: number, body: unknown): void => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const parseSelector = (text: string | undefined): Record<string, string> | undefined => {
    const selector: Record<string, string> = {};
    if (!text) return selector;
    for (const term of text.split(',')) {
      const m = /^([^=!]+)==?([^=]*)$/.exec(term.trim());
      if (!m) return undefined;
      selector[m[1]!] = m[2]!;
    }
    return selector;
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const query = Object.fromEntries(url.searchParams);
    requests.push({ path: url.pathname, query, headers: req.headers });
    if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    const m = /^\/apis\/discovery\.k8s\.io\/v1\/namespaces\/([^/]+)\/endpointslices$/.exec(url.pathname);
    if (req.method !== 'GET' || !m) return send(res, 404, status(404, 'NotFound', `the stand-in does not serve ${req.method} ${url.pathname}`));
    const namespace = decodeURIComponent(m[1]!);
    const selector = parseSelector(query.labelSelector);
    if (!selector) return send(res, 400, status(400, 'BadRequest', `unable to parse requirement: ${query.labelSelector}`));
    const watch = query.watch === 'true' || query.watch === '1';
    const failure = failures.find((f) => f.kind === (watch ? 'watch' : 'list') && f.left > 0);
    if (failure) {
      failure.left -= 1;
      if (failure.status === 'hang') {
        hung.add(req);
        return void res.on('close', () => hung.delete(req));
      }
      return send(res, failure.status, status(failure.status, 'InternalError', 'stand-in failure'));
    }
    const current = [...slices.values()].map((s) => s.object).filter((o) => matches(o, namespace, selector));
    if (!watch) {
      return send(res, 200, { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSliceList', metadata: { resourceVersion: String(rv) }, items: current });
    }
    const from = query.resourceVersion ? Number(query.resourceVersion) : 0;
    if (from > 0 && from < compactedThrough) {
      const gone = status(410, 'Expired', `too old resource version: ${from} (${compactedThrough})`);
      if (stand.expiredAs === 'status') return send(res, 410, gone);
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      line(res, 'ERROR', gone);
      return void res.end();
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    if (from === 0) for (const object of current) line(res, 'ADDED', object);
    else for (const e of history) if (e.rv > from && matches(e.object, namespace, selector)) line(res, e.type, e.object);
    const watcher: Watcher = { namespace, selector, res };
    watchers.add(watcher);
    res.on('close', () => watchers.delete(watcher));
  };

  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handle(req, res));
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
      watchers.clear();
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });

  const stand: KubernetesStandIn = {
    server: `http://127.0.0.1:${port}`,
    token,
    requests,
    get watching() {
      return watchers.size;
    },
    expiredAs: 'event',
    apply(input) {
      const namespace = input.namespace ?? 'default';
      const key = `${namespace}/${input.name}`;
      const existed = slices.has(key);
      rv += 1;
      const object = {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: input.name, namespace, resourceVersion: String(rv), uid: `uid-${input.name}`, labels: { [SERVICE_LABEL]: input.service } },
        addressType: input.addressType ?? 'IPv4',
        endpoints: input.endpoints,
        ports: input.ports ?? [],
      };
      slices.set(key, { rv, object });
      record(existed ? 'MODIFIED' : 'ADDED', object);
    },
    remove(name, namespace = 'default') {
      const stored = slices.get(`${namespace}/${name}`);
      if (!stored) return;
      slices.delete(`${namespace}/${name}`);
      rv += 1;
      record('DELETED', { ...stored.object, metadata: { ...(stored.object.metadata as object), resourceVersion: String(rv) } });
    },
    compact() {
      history = [];
      compactedThrough = rv;
    },
    closeWatches() {
      for (const w of [...watchers]) w.res.end();
      watchers.clear();
    },
    failNext(kind, code, count = 1) {
      failures.push({ kind, status: code, left: count });
    },
    hangNext(kind, count = 1) {
      failures.push({ kind, status: 'hang', left: count });
    },
    get hanging() {
      return hung.size;
    },
    stop,
    async start() {
      if (!server.listening) await listen(port);
    },
    close: stop,
  };
  return stand;
}

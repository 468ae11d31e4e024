/**
 * A child process hosting N node:http servers on 127.0.0.1 whose routes misbehave on purpose, for
 * the security, fetch-semantics and soak tests. Run by `startLoopbackFleet(n, FAULT_SERVER)`; it
 * speaks the IPC protocol of `loopback-server.ts` (`stats`, `mode`, `reset`, `stop`), so the test
 * process opens no sockets of its own. The faults are made by the server itself, on real sockets.
 *
 * Routes (every response carries `x-server: <index>`):
 *   /ok                     200 "ok"
 *   /echo                   JSON { server, method, path, headers, body }
 *   /status/<code>          that status
 *   /bytes/<n>              n bytes of "x" with a content-length
 *   /reset-before           destroys the socket before any response byte
 *   /reset-mid/<n>          headers for n bytes, n/2 of them, then destroys the socket
 *   /hang                   never answers
 *   /slow/<chunks>/<ms>     <chunks> chunks of "x", one every <ms> ms, chunked
 *   /close                  answers, then closes the keep-alive socket soon after
 *   /encoded/<codings>/<n>  n bytes of text encoded with the comma-separated codings
 *                           (gzip, x-gzip, deflate, deflate-raw, br, zstd, identity, bogus), applied
 *                           left to right and named in that order in content-encoding; `?chunked`
 *                           streams it in 1 KiB pieces
 *   /redirect/<status>      that status with `location: <?to=...>` (absent without `to`)
 *   /chain/<n>              a 302 to /chain/<n-1>; /chain/0 answers 200 "end of chain"
 *   /headers/<n>            a 200 with n extra headers of 100 bytes each
 *   /bad-length             content-length 10, 3 bytes, then the end of the connection
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';

interface ServerStats {
  requests: number;
  aborted: number;
  requestIds: string[];
  paths: string[];
  streamsFinished: number;
}

const count = Number(process.argv[2] ?? 1);
const emptyStats = (): ServerStats => ({ requests: 0, aborted: 0, requestIds: [], paths: [], streamsFinished: 0 });
let stats: ServerStats[] = Array.from({ length: count }, emptyStats);
const servers: http.Server[] = [];
/** Requests seen are recorded up to this many paths per server (the soak sends tens of thousands). */
const MAX_PATHS = 1_000;

/** The text an /encoded route encodes: 4 340 bytes, like a small page. */
function sampleText(n: number): Buffer {
  const line = 'switchyard decodes what fetch decodes. ';
  return Buffer.from(line.repeat(Math.ceil(n / line.length)).slice(0, n));
}

function encode(body: Buffer, coding: string): Buffer {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.gzipSync(body);
    case 'deflate':
      return zlib.deflateSync(body);
    case 'deflate-raw':
      return zlib.deflateRawSync(body);
    case 'br':
      return zlib.brotliCompressSync(body);
    case 'zstd':
      return zlib.zstdCompressSync(body);
    default:
      return body;
  }
}

function handle(index: number, req: http.IncomingMessage, res: http.ServerResponse): void {
  const s = stats[index]!;
  s.requests++;
  if (s.paths.length < MAX_PATHS) s.paths.push(req.url ?? '');
  const id = req.headers['x-request-id'];
  if (typeof id === 'string' && s.requestIds.length < MAX_PATHS) s.requestIds.push(id);
  res.setHeader('x-server', String(index));
  let finished = false;
  res.on('finish', () => (finished = true));
  res.on('close', () => {
    if (!finished) s.aborted++;
  });
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/');
    switch (parts[1]) {
      case 'ok':
        res.end('ok');
        return;
      case 'echo':
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ server: index, method: req.method, path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }));
        return;
      case 'status':
        res.statusCode = Number(parts[2]);
        res.end(`status ${parts[2]}`);
        return;
      case 'bytes': {
        const n = Number(parts[2]);
        res.setHeader('content-length', String(n));
        res.end(Buffer.alloc(n, 120), () => s.streamsFinished++);
        return;
      }
      case 'reset-before':
        req.socket.destroy();
        return;
      case 'reset-mid': {
        const n = Number(parts[2] ?? 2048);
        res.setHeader('content-length', String(n));
        res.flushHeaders();
        res.write(Buffer.alloc(Math.floor(n / 2), 120), () => setTimeout(() => req.socket.destroy(), 2));
        return;
      }
      case 'hang':
        return;
      case 'slow': {
        let left = Number(parts[2] ?? 5);
        const every = Number(parts[3] ?? 20);
        res.flushHeaders();
        const timer = setInterval(() => {
          if (res.destroyed) return clearInterval(timer);
          res.write('x');
          if (--left === 0) {
            clearInterval(timer);
            res.end(() => s.streamsFinished++);
          }
        }, every);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case 'close':
        res.end('ok', () => setTimeout(() => req.socket.destroy(), 1));
        return;
      case 'encoded': {
        const codings = (parts[2] ?? '').split(',').filter(Boolean);
        let body = sampleText(Number(parts[3] ?? 4340));
        for (const coding of codings) body = encode(body, coding);
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.setHeader('content-encoding', codings.map((c) => (c === 'deflate-raw' ? 'deflate' : c)).join(', '));
        if (!url.searchParams.has('chunked')) {
          res.setHeader('content-length', String(body.length));
          res.end(body);
          return;
        }
        let at = 0;
        const next = (): void => {
          if (res.destroyed) return;
          if (at >= body.length) return void res.end();
          res.write(body.subarray(at, (at += 1024)));
          setImmediate(next);
        };
        next();
        return;
      }
      case 'redirect': {
        const to = url.searchParams.get('to');
        res.statusCode = Number(parts[2]);
        if (to !== null) res.setHeader('location', to);
        res.end(`redirect ${parts[2]}`);
        return;
      }
      case 'chain': {
        const n = Number(parts[2]);
        if (n <= 0) return void res.end('end of chain');
        res.statusCode = 302;
        res.setHeader('location', `/chain/${n - 1}`);
        res.end();
        return;
      }
      case 'headers': {
        const n = Number(parts[2]);
        for (let i = 0; i < n; i++) res.setHeader(`x-h${i}`, 'v'.repeat(100));
        res.end('ok');
        return;
      }
      case 'bad-length':
        req.socket.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc', () => req.socket.destroy());
        return;
      default:
        res.statusCode = 404;
        res.end('no such route');
    }
  });
}

type Message =
  | { id: number; type: 'stats'; index: number }
  | { id: number; type: 'mode'; index: number }
  | { id: number; type: 'reset' }
  | { id: number; type: 'stop' };

process.on('message', (msg: Message) => {
  const reply = (data: unknown): void => void process.send!({ id: msg.id, data });
  switch (msg.type) {
    case 'stats':
      reply(stats[msg.index]);
      break;
    case 'mode':
      reply(null);
      break;
    case 'reset':
      stats = Array.from({ length: count }, emptyStats);
      reply(null);
      break;
    case 'stop':
      for (const server of servers) server.closeAllConnections();
      Promise.all(servers.map((server) => new Promise((r) => server.close(r)))).then(() => {
        reply(null);
        process.disconnect();
      });
      break;
  }
});

for (let i = 0; i < count; i++) {
  const server = http.createServer((req, res) => handle(i, req, res));
  server.keepAliveTimeout = 60_000;
  servers.push(server);
}
await Promise.all(servers.map((server) => new Promise<void>((r) => server.listen(0, '127.0.0.1', r))));
process.send!({ ready: servers.map((s) => (s.address() as AddressInfo).port) });

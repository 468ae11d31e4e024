/**
 * A child process hosting N node:http servers on 127.0.0.1 for tests. Run by `loopback.ts`;
 * controlled over IPC so the test process opens no extra sockets of its own.
 *
 * Routes (every response carries `x-server: <index>`):
 *   /echo              JSON { server, method, path, headers, body } with the request body as text
 *   /status/<code>     that status; `?retry-after=<v>` adds a Retry-After header
 *   /delay/<ms>        200 after <ms>
 *   /hang              never answers (counts aborts when the client gives up)
 *   /bytes/<n>         streams n bytes in 64 KiB chunks
 *   /redirect/<code>   that status with `Location: <to>` from `?to=<to>`
 *   anything else      200 "ok"
 * A server's mode (set over IPC) can override every route: { status, delayMs, hang }; `reset`
 * destroys the connection of every request (a connection error for the client, still counted);
 * `down` closes the server and its connections, so connects are refused, until a mode without
 * `down` (or `reset`) listens again on the same port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

interface Mode {
  status?: number;
  delayMs?: number;
  hang?: boolean;
  retryAfter?: string;
  reset?: boolean;
  down?: boolean;
}

interface ServerStats {
  requests: number;
  aborted: number;
  requestIds: string[];
  paths: string[];
  /** /bytes responses written to the end. */
  streamsFinished: number;
}

const count = Number(process.argv[2] ?? 1);
const modes: Mode[] = Array.from({ length: count }, () => ({}));
const stats: ServerStats[] = Array.from({ length: count }, () => ({ requests: 0, aborted: 0, requestIds: [], paths: [], streamsFinished: 0 }));
const servers: http.Server[] = [];
const ports: number[] = [];

/** Stops accepting on server `index` and drops its connections (`down`), or listens again on its port. */
function setListening(index: number, listening: boolean): Promise<void> {
  const server = servers[index]!;
  if (server.listening === listening) return Promise.resolve();
  if (!listening) {
    const closed = new Promise<void>((r) => server.close(() => r()));
    server.closeAllConnections();
    return closed;
  }
  return new Promise<void>((r) => server.listen(ports[index], '127.0.0.1', r));
}

function handle(index: number, req: http.IncomingMessage, res: http.ServerResponse): void {
  const s = stats[index]!;
  s.requests++;
  s.paths.push(req.url ?? '');
  const id = req.headers['x-request-id'];
  if (typeof id === 'string') s.requestIds.push(id);
  res.setHeader('x-server', String(index));
  const url = new URL(req.url ?? '/', 'http://localhost');
  const mode = modes[index]!;
  if (mode.reset) {
    req.socket.destroy();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let finished = false;
    res.on('finish', () => (finished = true));
    res.on('close', () => {
      if (!finished) s.aborted++;
    });
    const respond = (): void => {
      if (mode.hang || url.pathname === '/hang') return;
      if (mode.status !== undefined) {
        if (mode.retryAfter !== undefined) res.setHeader('retry-after', mode.retryAfter);
        res.statusCode = mode.status;
        res.end(`status ${mode.status}`);
        return;
      }
      const parts = url.pathname.split('/');
      if (url.pathname === '/echo') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ server: index, method: req.method, path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }));
      } else if (parts[1] === 'status') {
        const ra = url.searchParams.get('retry-after');
        if (ra !== null) res.setHeader('retry-after', ra);
        res.statusCode = Number(parts[2]);
        res.end(`status ${parts[2]}`);
      } else if (parts[1] === 'redirect') {
        res.statusCode = Number(parts[2]);
        res.setHeader('location', url.searchParams.get('to') ?? '/');
        res.end();
      } else if (parts[1] === 'delay') {
        setTimeout(() => res.end('ok'), Number(parts[2]));
      } else if (parts[1] === 'bytes') {
        let left = Number(parts[2]);
        res.setHeader('content-type', 'application/octet-stream');
        res.setHeader('content-length', String(left));
        const chunk = Buffer.alloc(64 * 1024, 120);
        const write = (): void => {
          while (left > 0) {
            const n = Math.min(left, chunk.length);
            left -= n;
            if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
              res.once('drain', write);
              return;
            }
          }
          res.end(() => s.streamsFinished++);
        };
        write();
      } else {
        res.end('ok');
      }
    };
    const wait = mode.delayMs ?? 0;
    if (wait) setTimeout(respond, wait);
    else respond();
  });
}

type Message =
  | { id: number; type: 'stats'; index: number }
  | { id: number; type: 'mode'; index: number; mode: Mode }
  | { id: number; type: 'reset' }
  | { id: number; type: 'stop' };

process.on('message', (msg: Message) => {
  const reply = (data: unknown): void => void process.send!({ id: msg.id, data });
  switch (msg.type) {
    case 'stats':
      reply(stats[msg.index]);
      break;
    case 'mode':
      modes[msg.index] = msg.mode;
      void setListening(msg.index, !msg.mode.down).then(() => reply(null));
      break;
    case 'reset':
      for (const s of stats) Object.assign(s, { requests: 0, aborted: 0, requestIds: [], paths: [], streamsFinished: 0 });
      for (let i = 0; i < count; i++) modes[i] = {};
      void Promise.all(servers.map((_, i) => setListening(i, true))).then(() => reply(null));
      break;
    case 'stop':
      Promise.all(servers.map((_, i) => setListening(i, false))).then(() => {
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
for (const server of servers) ports.push((server.address() as AddressInfo).port);
process.send!({ ready: ports });

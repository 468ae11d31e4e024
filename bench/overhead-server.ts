// The loopback backends of `npm run bench:overhead`: minimal keep-alive node:http servers in one
// process of their own, so the client's event loop is measured alone. `--servers N` (default 1)
// listens on N ports; prints them on one line of stdout, separated by spaces.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { servers: { type: 'string', default: '1' } } });
const body = Buffer.from('{"ok":true}');

function listen(): Promise<number> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

const ports = await Promise.all(Array.from({ length: Number(values.servers) }, listen));
process.stdout.write(`${ports.join(' ')}\n`);
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));

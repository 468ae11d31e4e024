import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/** A real dnsmasq (Debian `dnsmasq-base`) serving only the records it is given, on 127.0.0.1. */
export interface Dnsmasq {
  /** `127.0.0.1:<port>`, for `dnsDiscovery({ servers })`. */
  readonly server: string;
  /** The PID of the running dnsmasq (undefined while stopped). */
  readonly pid: number | undefined;
  /** Stops dnsmasq by its PID (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts dnsmasq again on the same port, with `records` (dnsmasq config lines) when given. */
  start(records?: readonly string[]): Promise<void>;
  /** Stops it and removes its temp folder. */
  close(): Promise<void>;
}

/**
 * Starts dnsmasq on a free loopback port with its config in a temp folder. `records` are dnsmasq
 * config lines (`srv-host=...`, `host-record=...`); every answer carries a TTL of `ttl` seconds.
 */
export async function startDnsmasq(records: readonly string[], ttl = 1): Promise<Dnsmasq> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-dnsmasq-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const config = join(dir, 'dnsmasq.conf');
  const start = async (lines: readonly string[]): Promise<void> => {
    await writeFile(
      config,
      [`port=${port}`, 'listen-address=127.0.0.1', 'bind-interfaces', 'no-resolv', 'no-hosts', 'no-negcache', 'local=/test/', `local-ttl=${ttl}`, `auth-ttl=${ttl}`, 'user=root', ...lines].join('\n') + '\n',
    );
    const proc = spawn('dnsmasq', ['--keep-in-foreground', `--conf-file=${config}`, '--pid-file', '--log-facility=-'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      proc.once('error', reject);
      proc.once('exit', (code) => reject(new Error(`dnsmasq exited with ${code}: ${stderr}`)));
      // dnsmasq logs "started" once it has bound its sockets.
      const onData = (): void => {
        if (!stderr.includes('started')) return;
        proc.stderr!.off('data', onData);
        proc.removeAllListeners('exit');
        resolve();
      };
      proc.stderr!.on('data', onData);
    });
    child = proc;
  };
  const stop = async (): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null) return;
    child = undefined;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      process.kill(proc.pid!, 'SIGTERM');
    });
  };
  await start(records);
  let current = records;
  return {
    server: `127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    stop,
    async start(next) {
      if (next) current = next;
      await start(current);
    },
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/** A real etcd (Debian `etcd-server`) on free 127.0.0.1 ports with its data in a temp folder. */
export interface EtcdServer {
  /** The client URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The PID of the running etcd (undefined while stopped). */
  readonly pid: number | undefined;
  /** Kills etcd by its PID (SIGKILL when `hard`, else SIGTERM) and waits for it to exit. */
  stop(hard?: boolean): Promise<void>;
  /** Starts etcd again on the same ports and data folder. */
  start(): Promise<void>;
  /** Stops it and removes its data folder. */
  close(): Promise<void>;
}

/** Starts etcd and resolves once it serves client requests. */
export async function startEtcd(): Promise<EtcdServer> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-etcd-'));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const url = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const proc = spawn(
      'etcd',
      [
        '--name=switchyard-test',
        `--data-dir=${join(dir, 'data')}`,
        `--listen-client-urls=${url}`,
        `--advertise-client-urls=${url}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=switchyard-test=${peer}`,
        '--log-level=info',
        '--logger=zap',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    await new Promise<void>((resolve, reject) => {
      proc.once('error', reject);
      proc.once('exit', (code) => reject(new Error(`etcd exited with ${code}: ${log.slice(-2_000)}`)));
      const onData = (d: Buffer): void => {
        log += d.toString();
        if (!log.includes('serving client traffic')) return;
        proc.stderr!.off('data', onData);
        proc.stderr!.resume();
        proc.removeAllListeners('exit');
        resolve();
      };
      proc.stderr!.on('data', onData);
    });
    child = proc;
    // Serving is not yet having a leader: wait until etcd reports itself healthy.
    for (let i = 0; ; i++) {
      const health = await fetch(`${url}/health`).then((r) => r.json() as Promise<{ health?: string }>, () => ({ health: 'false' }));
      if (health.health === 'true') break;
      if (i > 200) throw new Error(`etcd at ${url} did not become healthy: ${log.slice(-2_000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async (hard = false): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null) return;
    child = undefined;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      process.kill(proc.pid!, hard ? 'SIGKILL' : 'SIGTERM');
    });
  };
  await start();
  return {
    url,
    get pid() {
      return child?.pid;
    },
    stop,
    start,
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Per-server behaviour override; see loopback-server.ts. */
export interface ServerMode {
  status?: number;
  delayMs?: number;
  hang?: boolean;
  retryAfter?: string;
  /** Destroy the connection of every request (the client sees a connection error; still counted). */
  reset?: boolean;
  /** Stop listening and drop every connection: connects are refused until a mode without `down`. */
  down?: boolean;
}

/** What a loopback server has seen. */
export interface ServerStats {
  requests: number;
  aborted: number;
  requestIds: string[];
  paths: string[];
  /** /bytes responses written to the end. */
  streamsFinished: number;
}

/** N real HTTP servers on 127.0.0.1 in one child process. */
export interface LoopbackFleet {
  readonly urls: string[];
  stats(index: number): Promise<ServerStats>;
  setMode(index: number, mode: ServerMode): Promise<void>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const SERVER = fileURLToPath(new URL('./loopback-server.ts', import.meta.url));
/** The server script whose routes misbehave on purpose (fault-server.ts). */
export const FAULT_SERVER = fileURLToPath(new URL('./fault-server.ts', import.meta.url));

/** Starts `count` loopback servers in a child process (`script`, default loopback-server.ts) and resolves once they listen. */
export async function startLoopbackFleet(count: number, script = SERVER): Promise<LoopbackFleet> {
  const child: ChildProcess = fork(script, [String(count)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, (data: unknown) => void>();
  let nextId = 1;
  const ports = await new Promise<number[]>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`loopback server exited with ${code}`)));
    child.on('message', (msg: { ready?: number[]; id?: number; data?: unknown }) => {
      if (msg.ready) resolve(msg.ready);
      else if (msg.id !== undefined) pending.get(msg.id)?.(msg.data), pending.delete(msg.id);
    });
  });
  child.removeAllListeners('exit');
  const ask = <T>(message: Record<string, unknown>): Promise<T> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve as (data: unknown) => void);
      child.send({ ...message, id });
    });
  return {
    urls: ports.map((p) => `http://127.0.0.1:${p}`),
    stats: (index) => ask({ type: 'stats', index }),
    setMode: (index, mode) => ask({ type: 'mode', index, mode }),
    reset: () => ask({ type: 'reset' }),
    async stop() {
      if (!child.connected) return;
      const exited = new Promise((r) => child.once('exit', r));
      await ask({ type: 'stop' });
      await exited;
    },
  };
}

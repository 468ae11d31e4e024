import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sleep, systemClock } from '../../src/core/clock.js';
import type { BackendSpec } from '../scenario/scenario.js';
import type { BackendCounters, ToBackends } from './protocol.js';

const PROCESS_FILE = fileURLToPath(new URL('./backend-process.ts', import.meta.url));
/** The TypeScript loader the backend processes run under (the same tsx that runs the bench). */
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

type Payload<T extends ToBackends['type']> = Omit<Extract<ToBackends, { type: T }>, 'id'>;

class BackendProcess {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, (data: unknown) => void>();
  #nextId = 1;
  readonly exited: Promise<void>;

  constructor() {
    this.#child = fork(PROCESS_FILE, [], {
      execArgv: ['--import', TSX_LOADER],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.on('message', (msg: { id: number; data: unknown }) => {
      this.#pending.get(msg.id)?.(msg.data);
      this.#pending.delete(msg.id);
    });
    this.#child.once('exit', (code, signal) => {
      for (const settle of this.#pending.values()) settle(new Error(`backend process exited (${code ?? signal})`));
      this.#pending.clear();
    });
  }

  async ask<T, K extends ToBackends['type']>(message: Payload<K> & { type: K }): Promise<T> {
    if (!this.#child.connected) throw new Error('backend process is not running');
    const data = await new Promise<unknown>((resolve) => {
      const id = this.#nextId++;
      this.#pending.set(id, resolve);
      this.#child.send({ ...message, id });
    });
    if (data instanceof Error) throw data;
    return data as T;
  }

  get connected(): boolean {
    return this.#child.connected;
  }

  kill(): void {
    this.#child.kill();
  }
}

/** Options for {@link startBackends}. */
export interface BackendFleetOptions {
  /** How many child processes host the backends (default: one per backend, at most 12). */
  readonly processes?: number;
}

/**
 * The loopback fleet of one scenario: real HTTP backends on 127.0.0.1 in child processes (so the
 * load generator's event loop is not shared with the servers), started and stopped by the bench.
 */
export interface BackendFleet {
  /** Origin URL of each backend, in scenario order. */
  readonly urls: readonly string[];
  /** Resets counters and RNGs and sets time zero of the measured window: `startWallMs` on the system's wall clock (ms since the epoch). */
  startRun(seed: number, startWallMs: number): Promise<void>;
  /** Resolves once no backend is serving or queueing a request, or after `maxWaitMs`. */
  drain(maxWaitMs: number): Promise<void>;
  /** What each backend counted in the measured window, in scenario order. */
  counters(): Promise<BackendCounters[]>;
  /** Closes the servers and waits for the processes to exit. */
  stop(): Promise<void>;
}

/** Spawns the backend processes and resolves once every server listens. */
export async function startBackends(specs: readonly BackendSpec[], durationMs: number, options: BackendFleetOptions = {}): Promise<BackendFleet> {
  const count = Math.max(1, Math.min(options.processes ?? 12, specs.length));
  const processes = Array.from({ length: count }, () => new BackendProcess());
  // Backend i lives in process i mod count, as its slot-th server there.
  const where = specs.map((_, i) => ({ proc: i % count, slot: Math.floor(i / count) }));
  try {
    const ports = await Promise.all(
      processes.map((p, k) =>
        p.ask<number[], 'listen'>({
          type: 'listen',
          durationMs,
          backends: specs.flatMap((spec, index) => (index % count === k ? [{ index, spec }] : [])),
        }),
      ),
    );
    const urls = where.map(({ proc, slot }) => `http://127.0.0.1:${ports[proc]![slot]}`);
    return {
      urls,
      async startRun(seed, startWallMs) {
        await Promise.all(processes.map((p) => p.ask({ type: 'start', seed, startWallMs })));
      },
      async drain(maxWaitMs) {
        const until = systemClock.now() + maxWaitMs;
        while (systemClock.now() < until) {
          const busy = await Promise.all(processes.map((p) => p.ask<number, 'busy'>({ type: 'busy' })));
          if (busy.every((n) => n === 0)) return;
          await sleep(systemClock, 20);
        }
      },
      async counters() {
        const all = await Promise.all(processes.map((p) => p.ask<BackendCounters[], 'counters'>({ type: 'counters' })));
        return where.map(({ proc, slot }) => all[proc]![slot]!);
      },
      async stop() {
        await Promise.all(processes.map((p) => (p.connected ? p.ask({ type: 'close' }).catch(() => undefined) : undefined)));
        await Promise.all(processes.map((p) => p.exited));
      },
    };
  } catch (error) {
    for (const p of processes) p.kill();
    await Promise.all(processes.map((p) => p.exited));
    throw error;
  }
}

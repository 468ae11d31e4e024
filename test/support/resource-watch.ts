/**
 * Watches the timers and sockets created in this process from now on, so a test can check that a
 * closed client leaves none of them behind, ref'd or not.
 *
 * `process.getActiveResourcesInfo()` cannot answer that: it lists only ref'd timers (and every
 * switchyard timer is unref'd), and it lists the test runner's own, which come and go on their own
 * schedule: vitest batches task updates on a 100 ms timer and arms one per `expect.poll`. Comparing
 * its output before and after a test is a coin toss on a loaded machine.
 */
import { createHook } from 'node:async_hooks';

const WATCHED_TYPES = new Set(['Timeout', 'TCPWRAP', 'TCPCONNECTWRAP']);
/** Resources made by the test runner, which a test cannot be asked to clean up. */
const RUNNER_FRAMES = /[\\/]node_modules[\\/](?:vitest|@vitest|tinypool|birpc)[\\/]/;

interface Watched {
  readonly type: string;
  /** Captured when the resource was made; its stack is formatted only if it outlives the wait. */
  readonly origin: Error;
}

/** What {@link watchResources} returns. */
export interface ResourceWatch {
  /**
   * Stops recording new resources and waits, up to `timeoutMs`, for every recorded one to be
   * released. Returns those still alive, each with the stack that made it (empty when none are).
   */
  settled(timeoutMs?: number): Promise<string[]>;
}

/** Starts recording every timer and socket made from now on. */
export function watchResources(): ResourceWatch {
  const alive = new Map<number, Watched>();
  let recording = true;
  const hook = createHook({
    init(asyncId, type) {
      if (!recording || !WATCHED_TYPES.has(type)) return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 25;
      alive.set(asyncId, { type, origin: new Error(type) });
      Error.stackTraceLimit = limit;
    },
    destroy(asyncId) {
      alive.delete(asyncId);
    },
  }).enable();

  const survivors = (): string[] =>
    [...alive.values()]
      .map(({ type, origin }) => ({ type, frames: (origin.stack ?? '').split('\n').slice(1).filter(isCallerFrame) }))
      .filter(({ frames }) => !RUNNER_FRAMES.test(frames[0] ?? ''))
      .map(({ type, frames }) => `${type} made\n${frames.slice(0, 8).join('\n')}`);

  return {
    async settled(timeoutMs = 5_000) {
      recording = false;
      const deadline = performance.now() + timeoutMs;
      while (survivors().length > 0 && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      hook.disable();
      return survivors();
    },
  };
}

/** Drops the frames of async_hooks and timer internals, which say nothing about who made a resource. */
function isCallerFrame(frame: string): boolean {
  return !/\(node:internal\/async_hooks|\(node:internal\/timers|\(node:timers|resource-watch\.ts/.test(frame);
}

import { setImmediate as nextTurn } from 'node:timers/promises';

/** A picker build that proceeds in bounded steps, so a large one never blocks the event loop for long. */
export interface ChunkedBuild<T> {
  /** Does about `budget` units of work; returns true once the build is complete. */
  step(budget: number): boolean;
  /** The finished result; valid once {@link ChunkedBuild.step} returned true. */
  result(): T;
}

/**
 * Runs `build` one chunk of `budget` work units at a time. A build that completes within its
 * first chunk returns its result synchronously (every build of a small fleet). A larger one
 * returns a promise and yields to the event loop between chunks, so requests keep being served by
 * the previous picker while it runs; `signal` stops it at the next chunk.
 *
 * Chunks are sized in units of work rather than time, so builds are deterministic and read no
 * clock; `npm run bench:pick` measures the longest chunk. The yield is `setImmediate`, which only
 * orders work after pending I/O and reads no time (shared/STYLE.md rule 1 is about time).
 */
export function runChunked<T>(build: ChunkedBuild<T>, budget: number, signal: AbortSignal | undefined): T | Promise<T> {
  signal?.throwIfAborted();
  if (build.step(budget)) return build.result();
  return finish(build, budget, signal);
}

async function finish<T>(build: ChunkedBuild<T>, budget: number, signal: AbortSignal | undefined): Promise<T> {
  for (;;) {
    await nextTurn();
    signal?.throwIfAborted();
    if (build.step(budget)) return build.result();
  }
}

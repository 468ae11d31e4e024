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
 * orders work after pending I/O and reads no time (the injected-clock rule of docs/architecture.md is about time).
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

/** Table entries written per unit of work when touching pages (1 MiB of 32-bit entries per 2^16 units). */
const ENTRIES_PER_UNIT = 4;

/**
 * Touches the pages of freshly allocated tables in order, one chunk at a time, as a build's first
 * phase. The memory of a new typed array is mapped on first write, and a page fault costs about
 * 10 µs under virtualisation: a build that wrote a 64 MiB table at random would take thousands of
 * faults within one chunk, so it first writes the (already zero) tables sequentially.
 */
export class PageToucher {
  readonly #tables: readonly (Uint16Array | Int32Array | Uint32Array)[];
  #table = 0;
  #at = 0;

  constructor(tables: readonly (Uint16Array | Int32Array | Uint32Array)[]) {
    this.#tables = tables;
  }

  /** Whether every table has been touched. */
  get done(): boolean {
    return this.#table === this.#tables.length;
  }

  /** Touches up to `budget` units' worth of entries; returns the work done. */
  step(budget: number): number {
    let work = 0;
    while (!this.done && work < budget) {
      const table = this.#tables[this.#table]!;
      const end = Math.min(table.length, this.#at + (budget - work) * ENTRIES_PER_UNIT);
      table.fill(0, this.#at, end);
      work += Math.ceil((end - this.#at) / ENTRIES_PER_UNIT) + 1;
      this.#at = end;
      if (end === table.length) {
        this.#table++;
        this.#at = 0;
      }
    }
    return work;
  }
}

import type { Clock, TimerHandle } from '../core/clock.js';
import { numberOption, readOptions } from '../core/options.js';
import type { Rng } from '../core/rng.js';
import { DEFAULTS } from '../defaults.js';

/** Backoff between sessions, validated (ms). */
export interface SessionBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** Validates a `backoff: { initialMs?, maxMs? }` option (defaults from `DEFAULTS.discovery.backoff`). */
export function parseSessionBackoff(value: unknown, option: string): SessionBackoff {
  const b = readOptions(value ?? {}, option, ['initialMs', 'maxMs'] as const);
  const initialMs = numberOption(b.initialMs, `${option}.initialMs`, DEFAULTS.discovery.backoff.initialMs, { min: 1 });
  const maxMs = numberOption(b.maxMs, `${option}.maxMs`, Math.max(initialMs, DEFAULTS.discovery.backoff.maxMs), { min: initialMs });
  return { initialMs, maxMs };
}

/** What {@link SessionLoop} runs. */
export interface SessionLoopOptions {
  /** One session; rejecting is a failure, resolving a normal end. Both are followed by a new session after a backoff. */
  readonly run: (signal: AbortSignal) => Promise<void>;
  /** Called with each failure (not after close). */
  readonly onFailure: (error: unknown) => void;
  readonly backoff: SessionBackoff;
  readonly clock: Clock;
  readonly rng: Rng;
}

/**
 * Runs sessions with a registry one after another until closed: a watch, a poll loop, a lease
 * kept alive. After a session ends it waits an equal-jitter exponential backoff ("Exponential
 * Backoff And Jitter", Brooker, 2015): the n-th failure in a row waits a uniform time in
 * `[c/2, c)`, `c = min(maxMs, initialMs × 2^n)`; never zero, so a failing registry is not
 * hammered and clients that failed together do not retry together.
 */
export class SessionLoop {
  readonly #o: SessionLoopOptions;
  readonly #abort = new AbortController();
  #failures = 0;
  #loop: Promise<void> | undefined;
  #timer: TimerHandle | undefined;

  constructor(options: SessionLoopOptions) {
    this.#o = options;
  }

  /** Aborted when the loop closes; sessions should pass it to every await. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Starts the loop (once). */
  start(): void {
    if (this.#loop || this.#abort.signal.aborted) return;
    this.#loop = this.#sessions();
  }

  /** A session succeeded (a list, a poll, a lease granted): the next failure backs off from the start. */
  reset(): void {
    this.#failures = 0;
  }

  /** Aborts the running session with `reason`, stops the loop and waits for the session to settle. */
  async close(reason: unknown): Promise<void> {
    if (!this.#abort.signal.aborted) this.#abort.abort(reason);
    await this.#loop;
  }

  async #sessions(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      let failed = false;
      try {
        await this.#o.run(signal);
      } catch (error) {
        if (signal.aborted) break;
        failed = true;
        this.#o.onFailure(error);
      }
      if (signal.aborted) break;
      await this.#wait(this.#delay(failed ? this.#failures++ : 0));
    }
  }

  #delay(retry: number): number {
    const { initialMs, maxMs } = this.#o.backoff;
    const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(retry, 30));
    return Math.floor(ceiling / 2 + (this.#o.rng.next() * ceiling) / 2);
  }

  #wait(ms: number): Promise<void> {
    const { clock } = this.#o;
    const signal = this.#abort.signal;
    return new Promise((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done);
        if (this.#timer !== undefined) clock.clearTimeout(this.#timer);
        this.#timer = undefined;
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      this.#timer = clock.setTimeout(done, ms);
    });
  }
}

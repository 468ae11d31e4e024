import type { Call, Handler, Middleware, Reply } from '../core/call.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { BulkheadFullError, TimeoutError } from '../core/errors.js';
import type { BulkheadSettings } from './bulkhead-options.js';

/** A call waiting for a slot. */
interface Waiter {
  readonly admit: () => void;
}

/** What the bulkhead needs from the client. */
export interface BulkheadDeps {
  readonly clock: Clock;
}

/**
 * A bulkhead (the pattern from Nygard's "Release It!", as in Polly and resilience4j): at most
 * `maxConcurrent` calls in flight; up to `maxQueue` more wait in arrival order; beyond that a
 * call fails at once with {@link BulkheadFullError}. A queued call leaves the queue when its
 * caller aborts or its deadline passes ({@link TimeoutError}). It sits above retry, so a call
 * holds one slot for all its attempts. O(1) per call.
 */
export class Bulkhead {
  readonly #settings: BulkheadSettings;
  readonly #deps: BulkheadDeps;
  /** Insertion-ordered; a waiter that gives up deletes itself. */
  readonly #queue = new Set<Waiter>();
  #active = 0;

  constructor(settings: BulkheadSettings, deps: BulkheadDeps) {
    this.#settings = settings;
    this.#deps = deps;
  }

  /** Calls holding a slot. */
  get active(): number {
    return this.#active;
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.#queue.size;
  }

  /** The middleware. */
  readonly middleware: Middleware = (call, next) => {
    if (this.#active < this.#settings.maxConcurrent) {
      this.#active++;
      return this.#run(call, next);
    }
    if (this.#queue.size >= this.#settings.maxQueue) {
      return Promise.reject(new BulkheadFullError(this.#settings.maxConcurrent, this.#settings.maxQueue));
    }
    return this.#wait(call).then(() => this.#run(call, next));
  };

  async #run(call: Call, next: Handler): Promise<Reply> {
    try {
      return await next(call);
    } finally {
      this.#release();
    }
  }

  #release(): void {
    const first = this.#queue.values().next();
    if (first.done) {
      this.#active--;
      return;
    }
    // The slot passes straight to the first waiter.
    this.#queue.delete(first.value);
    first.value.admit();
  }

  #wait(call: Call): Promise<void> {
    const { clock } = this.#deps;
    const signal = call.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      let timer: TimerHandle | undefined;
      const leave = (reason: unknown): void => {
        this.#queue.delete(waiter);
        if (timer !== undefined) clock.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        reject(reason);
      };
      const onAbort = (): void => leave(signal!.reason);
      const waiter: Waiter = {
        admit: () => {
          if (timer !== undefined) clock.clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.#queue.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      const remaining = call.deadline - clock.now();
      if (Number.isFinite(remaining)) timer = clock.setTimeout(() => leave(new TimeoutError('total', call.timeout.total)), remaining);
    });
  }
}

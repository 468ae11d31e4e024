/**
 * The abort source of one attempt, handed to undici as its `signal`.
 *
 * undici accepts any EventEmitter-like object with `once`/`removeListener` and reads `reason`
 * when it fires. This one costs a plain object per attempt instead of an `AbortController` plus
 * `AbortSignal.any()` (measured in `npm run bench:overhead`), and merges two sources:
 * - the attempt's timer (`fire(timeoutError)`), armed by the transport and cleared once the
 *   response headers arrive;
 * - the caller's `AbortSignal`, followed until undici lets go of the request (the body closed),
 *   so a caller's abort still cancels a body that is being read.
 */
export class AttemptSignal {
  /** Why the attempt was aborted; read by undici when the listener fires. */
  reason: unknown = undefined;
  #listener: (() => void) | undefined;
  #caller: AbortSignal | undefined;
  #onCallerAbort: (() => void) | undefined;

  constructor(caller: AbortSignal | undefined) {
    if (caller) {
      this.#caller = caller;
      this.#onCallerAbort = () => this.fire(caller.reason);
      caller.addEventListener('abort', this.#onCallerAbort, { once: true });
    }
  }

  /** undici: registers its abort listener. */
  once(_event: 'abort', listener: () => void): this {
    this.#listener = listener;
    return this;
  }

  /** undici checks that a non-AbortSignal `signal` has `on`; it registers through `once`. */
  on(event: 'abort', listener: () => void): this {
    return this.once(event, listener);
  }

  /** undici: the request no longer needs the signal (finished or failed). */
  removeListener(_event: 'abort', listener: () => void): this {
    if (this.#listener === listener) this.#listener = undefined;
    this.release();
    return this;
  }

  /** Aborts the attempt with `reason` (once). */
  fire(reason: unknown): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    const listener = this.#listener;
    this.#listener = undefined;
    this.release();
    listener?.();
  }

  /** Stops following the caller's signal. */
  release(): void {
    if (this.#caller) {
      this.#caller.removeEventListener('abort', this.#onCallerAbort!);
      this.#caller = undefined;
    }
  }
}

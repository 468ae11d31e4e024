import type { Clock } from '../core/clock.js';

/**
 * Runs `task` with a signal that aborts after `timeoutMs` on `clock`, or when `outer` aborts, and
 * settles as soon as either happens: with `timeoutError()` on timeout, with `outer`'s reason on
 * abort. For registry calls that can hang while the registry is down (an etcd watch `create()`,
 * a DNS query to a server that is gone). The timer and the listener are released either way.
 */
export function boundedCall<T>(clock: Clock, outer: AbortSignal, timeoutMs: number, timeoutError: () => Error, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (outer.aborted) return Promise.reject(outer.reason);
  const inner = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const finish = (): void => {
      clock.clearTimeout(timer);
      outer.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      finish();
      inner.abort(outer.reason);
      reject(outer.reason);
    };
    const timer = clock.setTimeout(() => {
      outer.removeEventListener('abort', onAbort);
      const error = timeoutError();
      inner.abort(error);
      reject(error);
    }, timeoutMs);
    outer.addEventListener('abort', onAbort, { once: true });
    task(inner.signal).then(
      (value) => {
        finish();
        resolve(value);
      },
      (error: unknown) => {
        finish();
        reject(error);
      },
    );
  });
}

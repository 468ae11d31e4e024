/**
 * A promise that the first outcome settles: `settle()` resolves it, `settle(error)` rejects it,
 * and every later call is ignored. For a `ready()` that reports the first success or the first
 * failure of work that goes on retrying. Its rejection is handled, so a caller that never asks
 * for it leaves no unhandled rejection.
 */
export function firstOutcome(): { readonly promise: Promise<void>; settle(error?: unknown): void } {
  let first: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  const promise = new Promise<void>((resolve, reject) => (first = { resolve, reject }));
  promise.catch(() => {});
  return {
    promise,
    settle(error?: unknown) {
      if (error === undefined) first?.resolve();
      else first?.reject(error);
      first = undefined;
    },
  };
}

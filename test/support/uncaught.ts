/** What {@link watchUncaught} returns. */
export interface UncaughtWatch {
  /** Every uncaught exception and unhandled rejection seen so far, with its kind. */
  readonly seen: { kind: 'uncaughtException' | 'unhandledRejection'; value: unknown }[];
  /** Stops listening. */
  stop(): void;
}

/**
 * Records every `uncaughtException` and `unhandledRejection` of this process from now on, so a test
 * can assert there were none (a service without a handler would have died of the first).
 */
export function watchUncaught(): UncaughtWatch {
  const seen: UncaughtWatch['seen'] = [];
  const onException = (value: unknown): void => void seen.push({ kind: 'uncaughtException', value });
  const onRejection = (value: unknown): void => void seen.push({ kind: 'unhandledRejection', value });
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return {
    seen,
    stop() {
      process.off('uncaughtException', onException);
      process.off('unhandledRejection', onRejection);
    },
  };
}

/** Wall-time helpers for tests that run real traffic through a registry change or outage. */

/** Waits (wall time, generous for a loaded machine) until `check` holds; throws naming `what` after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Open-loop load started by {@link steadyLoad}. */
export interface SteadyLoad {
  /** Calls sent so far. */
  readonly sent: number;
  /** What the failed calls rejected with. */
  readonly failures: unknown[];
  /** Stops sending and waits for every call in flight to settle. */
  stop(): Promise<void>;
}

/** Sends `perTick` calls every `everyMs` ms (5 every 10 ms: 500/s) whatever the replies, until stopped. */
export function steadyLoad(send: () => Promise<unknown>, { perTick = 5, everyMs = 10 } = {}): SteadyLoad {
  let sent = 0;
  const failures: unknown[] = [];
  const inFlight = new Set<Promise<void>>();
  const timer = setInterval(() => {
    for (let i = 0; i < perTick; i++) {
      sent++;
      const p: Promise<void> = send()
        .then(
          () => {},
          (e: unknown) => void failures.push(e),
        )
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  }, everyMs);
  return {
    get sent() {
      return sent;
    },
    failures,
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
    },
  };
}

/**
 * Time, injected. Only this file reads the system clock or arms real timers
 * (docs/architecture.md, section 5); every layer receives a {@link Clock} from the client,
 * so tests drive time with a {@link ManualClock} and assert exact values.
 */
import { performance } from 'node:perf_hooks';

/** An opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/** A source of time and timers. All values are milliseconds. */
export interface Clock {
  /** Monotonic time in milliseconds (fractional); only differences are meaningful. */
  now(): number;
  /** Wall-clock time in milliseconds since the epoch (for HTTP dates such as `Retry-After`). */
  wallNow(): number;
  /** Runs `fn` after `ms` milliseconds. The timer never keeps the process alive. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer armed by {@link Clock.setTimeout}; unknown handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/**
 * Resolves after `ms` milliseconds on `clock`, or rejects with the signal's reason as soon as
 * `signal` aborts. The timer and the abort listener are released either way.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The longest delay a Node timer holds: 2^31−1 ms (24.8 days). Node fires a longer one after
 * 1 ms, with a `TimeoutOverflowWarning`; {@link systemClock} chains timers instead.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A timer longer than its clock's timers hold: a chain of timers of at most `maxMs`, each arming
 * the next until the delay has passed on the clock, so the delay is honoured, never cut short.
 */
class ChainedTimer {
  readonly #clock: Clock;
  #timer: TimerHandle | undefined;

  constructor(clock: Clock, fn: () => void, ms: number, maxMs: number) {
    this.#clock = clock;
    const due = clock.now() + ms;
    const arm = (): void => {
      const left = due - clock.now();
      if (left <= 0) {
        this.#timer = undefined;
        fn();
        return;
      }
      this.#timer = clock.setTimeout(arm, Math.min(Math.ceil(left), maxMs));
    };
    arm();
  }

  clear(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * `clock` with timers of any length, for a clock whose own timers hold at most `maxMs` (Node's:
 * {@link MAX_TIMER_MS}): a longer delay becomes a {@link ChainedTimer}; shorter ones are `clock`'s own.
 */
export function chainedTimers(clock: Clock, maxMs = MAX_TIMER_MS): Clock {
  return Object.freeze({
    now: () => clock.now(),
    wallNow: () => clock.wallNow(),
    setTimeout(fn: () => void, ms: number): TimerHandle {
      return ms > maxMs ? new ChainedTimer(clock, fn, ms, maxMs) : clock.setTimeout(fn, ms);
    },
    clearTimeout(handle: TimerHandle): void {
      if (handle instanceof ChainedTimer) handle.clear();
      else clock.clearTimeout(handle);
    },
  });
}

/**
 * Node's own timers, unref'd: delays up to {@link MAX_TIMER_MS}. A delay below zero (a deadline
 * already past) fires at once, as on the {@link ManualClock}, instead of Node's warning.
 */
const nodeClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = setTimeout(fn, ms > 0 ? ms : 0);
    timer.unref();
    return timer;
  },
  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/**
 * The process clock: `performance.now()` and unref'd `setTimeout`. A delay above
 * {@link MAX_TIMER_MS} is honoured with a chain of timers, never fired early.
 */
export const systemClock: Clock = chainedTimers(nodeClock);

interface ManualTimer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/**
 * A clock that moves only when told to, for deterministic tests of breakers, backoff,
 * EWMA and buckets. Timers fire in due order (ties in arming order) during {@link ManualClock.advance}.
 *
 * @example
 * const clock = new ManualClock();
 * const client = createClient({ service: 'svc', endpoints, clock });
 * clock.advance(1_000);
 */
export class ManualClock implements Clock {
  #now: number;
  #wallOffset: number;
  #seq = 0;
  #timers = new Map<TimerHandle, ManualTimer>();

  /**
   * @param start - the initial monotonic time in ms (default 0)
   * @param wallStart - the wall-clock time at `start`, ms since the epoch (default 2026-01-01T00:00:00Z)
   */
  constructor(start = 0, wallStart = Date.UTC(2026, 0, 1)) {
    this.#now = start;
    this.#wallOffset = wallStart - start;
  }

  now(): number {
    return this.#now;
  }

  wallNow(): number {
    return this.#now + this.#wallOffset;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = {};
    this.#timers.set(handle, { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle);
  }

  /** Number of timers armed and not yet fired or cleared. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let next: [TimerHandle, ManualTimer] | undefined;
      for (const entry of this.#timers) {
        const t = entry[1];
        if (t.at <= target && (!next || t.at < next[1].at || (t.at === next[1].at && t.seq < next[1].seq))) next = entry;
      }
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].fn();
    }
    this.#now = target;
  }

  /** Advances time in `step`-ms increments, letting promise callbacks run between steps. */
  async advanceAsync(ms: number, step = ms): Promise<void> {
    let left = ms;
    while (left > 0) {
      const d = Math.min(step, left);
      this.advance(d);
      left -= d;
      for (let i = 0; i < 10; i++) await Promise.resolve();
    }
  }
}

import type { Clock, TimerHandle } from '../../src/core/clock.js';
import { EventQueue, type TimedEvent } from './event-queue.js';

interface TimerEvent extends TimedEvent {
  readonly fn: () => void;
  cancelled: boolean;
}

/**
 * The simulator's virtual clock: a {@link Clock} whose time is set by the event loop, so the real
 * balancers, the fleet's EWMA and anything else that reads the injected clock see virtual time.
 * Timers armed through it are events on its own agenda, run by {@link SimClock.runTimersUntil}.
 */
export class SimClock implements Clock {
  #now = 0;
  #seq = 0;
  readonly #timers = new EventQueue<TimerEvent>();

  /** Virtual time (ms). */
  now(): number {
    return this.#now;
  }

  /** Virtual time as wall time (the epoch plus virtual ms). */
  wallNow(): number {
    return this.#now;
  }

  /** Moves virtual time to `t` (never backwards). */
  set(t: number): void {
    if (t > this.#now) this.#now = t;
  }

  /** The next scheduling sequence number, shared with the simulator's own events so ties keep arming order. */
  nextSeq(): number {
    return this.#seq++;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: TimerEvent = { at: this.#now + Math.max(0, ms), seq: this.nextSeq(), fn, cancelled: false };
    this.#timers.push(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    (handle as TimerEvent).cancelled = true;
  }

  /** Time of the earliest pending timer (Infinity when none). */
  get nextTimerAt(): number {
    return this.#timers.peek()?.at ?? Infinity;
  }

  /** Runs every timer due at or before `t`, in order, moving time to each. */
  runTimersUntil(t: number): void {
    for (let next = this.#timers.peek(); next && next.at <= t; next = this.#timers.peek()) {
      this.#timers.pop();
      if (next.cancelled) continue;
      this.set(next.at);
      next.fn();
    }
  }
}

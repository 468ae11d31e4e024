import type { Clock, TimerHandle } from '../core/clock.js';

/**
 * Something {@link AttemptTimeouts} can time out. The links are the list's own: only
 * {@link AttemptTimeouts} reads or writes them.
 */
export abstract class Expiring {
  /** Clock time (ms) at which {@link Expiring.expire} is due. */
  deadline = 0;
  /** The entry before it in the list of the common timeout. */
  prev: Expiring | undefined = undefined;
  /** The entry after it in the list of the common timeout. */
  next: Expiring | undefined = undefined;
  /** The clock timer of an entry with another timeout. */
  timer: TimerHandle | undefined = undefined;
  /** Whether it is waiting for its deadline. */
  linked = false;

  /** Called once, at the deadline, unless removed before. */
  abstract expire(): void;
}

/**
 * The attempt timers of one transport, on the injected clock. Most attempts wait the same time
 * (the attempt timeout), so their deadlines come in the order they are added: they go in a
 * doubly linked list, oldest first, behind one clock timer armed for the oldest, as Node's own
 * timer lists do per duration. Adding and removing an attempt is a few field writes, where a
 * timer per attempt allocates a timer object and inserts it into the runtime's timer lists
 * (measured in docs/decisions.md).
 *
 * The timer fires exactly at the oldest deadline (no coarse tick): when that attempt finished
 * first, it re-arms for the new oldest one. A list that empties keeps its timer, which lapses at
 * the deadline it was armed for without re-arming: a list that empties between responses (one
 * call at a time, or bodies that arrive with their headers) would otherwise create and cancel a
 * clock timer per attempt. An idle transport so holds at most one unref'd timer per list, for
 * at most one attempt timeout (the bodies' list: one call deadline), and none after
 * {@link AttemptTimeouts.clear}. An entry that becomes the head before the armed time re-arms it.
 * Any other duration (an attempt cut short by the call's deadline) gets its own clock timer.
 *
 * Made without a common delay, every entry joins the list at its place in deadline order, found
 * walking back from the newest: the transport's list of bodies being received, whose deadlines
 * (each call's own, or the body timeout from its headers) come nearly in the order they are added.
 */
export class AttemptTimeouts {
  readonly #clock: Clock;
  readonly #common: number | undefined;
  #head: Expiring | undefined;
  #tail: Expiring | undefined;
  #timer: TimerHandle | undefined;
  /** The clock time the timer is armed for. */
  #timerAt = 0;
  /** Entries with a timer of their own (another duration), so {@link AttemptTimeouts.clear} finds them. */
  readonly #others = new Set<Expiring>();

  /**
   * @param clock - the clock the deadlines are on
   * @param common - the delay (ms) most entries use: the attempt timeout; without it, every entry
   *   joins the list in deadline order
   */
  constructor(clock: Clock, common?: number) {
    this.#clock = clock;
    this.#common = common;
  }

  /** Expires `entry` after `delayMs` (from `now`, the clock's current time), unless it is removed first. */
  add(entry: Expiring, delayMs: number, now: number): void {
    entry.deadline = now + delayMs;
    entry.linked = true;
    if (this.#common !== undefined && delayMs !== this.#common) {
      entry.timer = this.#clock.setTimeout(() => this.#expire(entry), delayMs);
      this.#others.add(entry);
      return;
    }
    this.#insert(entry, now);
  }

  /**
   * Expires `entry` at clock time `deadline`, unless it is removed first: for a list made without
   * a common delay. The clock is read only when the list's timer must be armed again.
   */
  addAt(entry: Expiring, deadline: number): void {
    entry.deadline = deadline;
    entry.linked = true;
    this.#insert(entry, undefined);
  }

  /** Links `entry` after the last entry due no later than it; re-arms the timer when it becomes the head. */
  #insert(entry: Expiring, now: number | undefined): void {
    let before = this.#tail;
    while (before && before.deadline > entry.deadline) before = before.prev;
    const after = before ? before.next : this.#head;
    entry.prev = before;
    entry.next = after;
    if (before) before.next = entry;
    else this.#head = entry;
    if (after) after.prev = entry;
    else this.#tail = entry;
    if (before) return;
    // The new head. A timer armed for no later than its deadline fires first and re-arms then.
    if (this.#timer !== undefined) {
      if (this.#timerAt <= entry.deadline) return;
      this.#clock.clearTimeout(this.#timer);
    }
    this.#arm(entry.deadline, now ?? this.#clock.now());
  }

  #arm(at: number, now: number): void {
    this.#timerAt = at;
    this.#timer = this.#clock.setTimeout(this.#fire, at - now);
  }

  /** Forgets `entry`; it will not expire. Does nothing if it is not waiting. */
  remove(entry: Expiring): void {
    if (!entry.linked) return;
    entry.linked = false;
    if (entry.timer !== undefined) {
      this.#clock.clearTimeout(entry.timer);
      entry.timer = undefined;
      this.#others.delete(entry);
      return;
    }
    const { prev, next } = entry;
    if (prev) prev.next = next;
    else this.#head = next;
    if (next) next.prev = prev;
    else this.#tail = prev;
    entry.prev = entry.next = undefined;
  }

  /** Forgets every entry and clears every timer (the transport is closed). */
  clear(): void {
    while (this.#head) this.remove(this.#head);
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const entry of this.#others) this.remove(entry);
  }

  #expire(entry: Expiring): void {
    entry.timer = undefined;
    this.#others.delete(entry);
    entry.linked = false;
    entry.expire();
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    const now = this.#clock.now();
    let head = this.#head;
    while (head && head.deadline <= now) {
      this.remove(head);
      head.expire();
      head = this.#head;
    }
    if (head && this.#timer === undefined) this.#arm(head.deadline, now);
  };
}

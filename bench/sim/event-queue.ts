/** Something that happens at a virtual time. */
export interface TimedEvent {
  /** Virtual time (ms). */
  readonly at: number;
  /** Tie-breaker: events due at the same time run in scheduling order. */
  readonly seq: number;
}

/**
 * A binary min-heap of events ordered by time, then by scheduling order: the agenda of a
 * discrete-event simulation. O(log n) push and pop.
 */
export class EventQueue<E extends TimedEvent> {
  readonly #heap: E[] = [];

  /** The earliest pending event, without removing it. */
  peek(): E | undefined {
    return this.#heap[0];
  }

  /** Adds an event. */
  push(event: E): void {
    const heap = this.#heap;
    let i = heap.length;
    heap.push(event);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(event, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = event;
  }

  /** Removes and returns the earliest event. */
  pop(): E | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      const n = heap.length;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const child = r < n && before(heap[r]!, heap[l]!) ? r : l;
        if (!before(heap[child]!, last)) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}

function before(a: TimedEvent, b: TimedEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

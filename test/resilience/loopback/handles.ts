/** Sockets and timers alive in this process: what a closed client must not leave behind. */
export function activeHandles(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((r) => r === 'TCPSocketWrap' || r === 'Timeout')
    .sort();
}

/**
 * How long to wait for handles to go: undici's shared "fast timer" ticks every ~0.5 s and stops
 * only on the tick after its last timer is cleared, so its Timeout can outlive a closed client by
 * up to two ticks (more on a loaded machine).
 */
// Known issue, not yet found: under a loaded full run a Timeout has been seen to outlive close() by
// more than 5 s (and less than the 10 s breaker reset timeout) in these loopback tests. The wait
// is 12 s until it is found; tracked in the session note.
export const UNDICI_TICKS = { timeout: 12_000, interval: 50 } as const;

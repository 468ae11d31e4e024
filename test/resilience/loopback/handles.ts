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
export const UNDICI_TICKS = { timeout: 5_000, interval: 50 } as const;

/**
 * Every default, in one place (shared/STYLE.md rule 6). The README's option reference quotes
 * these values.
 */
export const DEFAULTS = Object.freeze({
  /** Balancer used when `balancer` is not given. */
  balancer: 'round-robin',
  /** Time allowed for one attempt to connect and receive response headers (ms). */
  attemptTimeoutMs: 10_000,
  /** Time allowed for the whole call, all attempts and waits included (ms). */
  totalTimeoutMs: 30_000,
  /** Time constant of the per-endpoint latency EWMA (ms); Finagle's peak-EWMA default. */
  ewmaTauMs: 10_000,
  /** Whether OpenTelemetry spans are created (they are no-ops until an SDK is registered). */
  tracing: true,
} as const);

import { CircuitOpenError, TimeoutError } from '../core/errors.js';

/**
 * Error codes of failures to connect or of a connection lost before the response: Node's socket
 * errors and undici's (`UND_ERR_SOCKET` is "other side closed").
 */
const CONNECTION_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Whether `error` (or its `cause`) is a connection error: refused, reset, unreachable, closed early. */
export function isConnectionError(error: unknown): boolean {
  for (let e = error, depth = 0; e !== null && typeof e === 'object' && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
  }
  return false;
}

/**
 * The default retryable-error test: connection errors, attempt timeouts (not the call's total
 * deadline) and an open circuit (the attempt was not sent, another endpoint may take it).
 */
export function isRetryableError(error: unknown): boolean {
  if (error instanceof TimeoutError) return error.kind === 'attempt';
  if (error instanceof CircuitOpenError) return true;
  return isConnectionError(error);
}

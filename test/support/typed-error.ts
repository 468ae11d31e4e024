import { SwitchyardError } from '../../src/index.js';

/**
 * Whether `error` is one a caller can switch on: a SwitchyardError, an undici error (its `code`
 * starts with `UND_ERR_`), a socket's system error passed through by undici (`ECONNRESET`,
 * `ECONNREFUSED`: a `code` and a `syscall`), an abort's DOMException, or the global fetch's
 * `TypeError: terminated` for a body cut short, whose cause is one of those.
 */
export function isTypedError(error: unknown): boolean {
  if (error instanceof SwitchyardError) return true;
  if (error instanceof DOMException) return error.name === 'AbortError' || error.name === 'TimeoutError';
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('UND_ERR_')) return true;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code) && typeof (error as { syscall?: unknown }).syscall === 'string') return true;
  return error instanceof TypeError && error.message === 'terminated' && isTypedError(error.cause);
}

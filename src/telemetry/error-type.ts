import { SwitchyardError } from '../core/errors.js';

/** `error.type`: a stable code where one exists (ours or undici's), else the class name. */
export function errorType(error: unknown): string {
  if (error instanceof SwitchyardError) return error.name;
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return typeof code === 'string' ? code : error.name;
  }
  return '_OTHER';
}

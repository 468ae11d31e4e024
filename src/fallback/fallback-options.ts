import { ConfigError } from '../core/errors.js';
import { readOptions } from '../core/options.js';
import type { Call, Reply } from '../core/call.js';
import { statusesOption } from '../retry/retry-options.js';

/** Why the fallback was asked for a reply: the error the pipeline gave up with, or its last reply. */
export interface FallbackContext {
  /** The logical call (its first attempt's view). */
  readonly call: Call;
  /** The error, when the pipeline threw. */
  readonly error: unknown;
  /** Status and headers of the reply, when its status is one of `statuses` (its body is already dumped). */
  readonly reply: Pick<Reply, 'status' | 'headers'> | undefined;
}

/** The reply a fallback produces. */
export interface FallbackReply {
  /** HTTP status (default 200). */
  status?: number;
  /** Response headers (names lower-cased). */
  headers?: Record<string, string>;
  /** The body: text (sent as UTF-8) or bytes (default empty). */
  body?: string | Uint8Array;
}

/**
 * A fallback (`createClient({ fallback })`, off by default): a function that produces the reply
 * when the pipeline gives up (any error but the caller's own abort, and optionally replies with
 * given statuses). It wraps the bulkhead, retry and everything below, so a full bulkhead, a rate
 * limit, an open circuit or a spent retry budget all reach it.
 */
export interface FallbackOptions {
  /** Produces the reply; an error it throws is what the caller gets. */
  handler: (context: FallbackContext) => FallbackReply | Promise<FallbackReply>;
  /** Final reply statuses that also go to the fallback (default none). */
  statuses?: readonly number[];
}

/** Validated fallback settings. */
export interface FallbackSettings {
  readonly handler: FallbackOptions['handler'];
  readonly statuses: ReadonlySet<number>;
}

/**
 * Validates the `fallback` option: `false` or `undefined` turns it off.
 * @throws ConfigError naming the option and the bad value
 */
export function parseFallbackOptions(value: unknown, option = 'fallback'): FallbackSettings | false {
  if (value === false || value === undefined) return false;
  const o = readOptions(value, option, ['handler', 'statuses'] as const);
  if (typeof o.handler !== 'function') throw new ConfigError(`${option}.handler`, o.handler, 'a (context) => FallbackReply function');
  return { handler: o.handler as FallbackOptions['handler'], statuses: statusesOption(o.statuses, `${option}.statuses`, []) };
}

import type { Call, Middleware, Reply } from '../core/call.js';
import type { FallbackContext, FallbackSettings } from './fallback-options.js';
import { StaticBody } from './static-body.js';

const ignore = (): void => {};

/**
 * The fallback layer: passes replies through, and when the pipeline below throws (for any reason
 * but the caller's own abort) or returns a status listed in `statuses`, returns the reply the
 * handler produces instead. A fallback reply has no endpoint.
 */
export function fallbackLayer(settings: FallbackSettings): Middleware {
  const { handler, statuses } = settings;
  const produce = async (context: FallbackContext): Promise<Reply> => {
    const out = await handler(context);
    const body = out.body ?? new Uint8Array(0);
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    return { status: out.status ?? 200, headers: { ...out.headers }, body: new StaticBody(bytes), endpoint: undefined };
  };
  return async (call: Call, next) => {
    let reply: Reply;
    try {
      reply = await next(call);
    } catch (error) {
      if (call.signal?.aborted) throw error;
      return produce({ call, error, reply: undefined });
    }
    if (!statuses.has(reply.status)) return reply;
    reply.body.dump().catch(ignore);
    return produce({ call, error: undefined, reply: { status: reply.status, headers: reply.headers } });
  };
}

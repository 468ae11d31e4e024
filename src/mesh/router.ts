import type { Call, CallTimeout, Handler } from '../core/call.js';
import type { Clock } from '../core/clock.js';
import type { Rng } from '../core/rng.js';
import type { RouteMatcher } from './route-options.js';

/** One compiled route: what it matches, its time limits, and the handlers of its split's shares. */
export interface CompiledRoute {
  readonly name: string;
  readonly matches: RouteMatcher;
  readonly timeout: CallTimeout;
  /** One handler per share of the split (a route stack over a subset's attempt handler). */
  readonly handlers: readonly Handler[];
  /** The shares' weights. */
  readonly weights: readonly number[];
}

/**
 * Sends a call down the route it belongs to: the first route of `routes` that matches the call's
 * method, path (without the query) and headers, else `fallback` (the service's whole fleet with
 * its own policy). Within the route, a share of its split is picked once per logical call from
 * the injected RNG, in proportion to the weights, so every retry and hedge of the call stays in
 * that share's subset. A route with other time limits than the call's re-times the call from its
 * start.
 */
export function router(routes: readonly CompiledRoute[], fallback: CompiledRoute, rng: Rng, clock: Clock): Handler {
  const dispatchers = routes.map((route) => dispatcher(route, rng, clock));
  const fallbackDispatch = dispatcher(fallback, rng, clock);
  if (routes.length === 0) return fallbackDispatch;
  return (call) => {
    const query = call.path.indexOf('?');
    const path = query === -1 ? call.path : call.path.slice(0, query);
    for (let i = 0; i < routes.length; i++) {
      if (routes[i]!.matches(call.method, path, call.headers)) return dispatchers[i]!(call);
    }
    return fallbackDispatch(call);
  };
}

function dispatcher(route: CompiledRoute, rng: Rng, clock: Clock): Handler {
  const { handlers, weights, timeout } = route;
  const retime = (call: Call): Call => {
    if (call.timeout === timeout) return call;
    const start = Number.isFinite(call.deadline) && Number.isFinite(call.timeout.total) ? call.deadline - call.timeout.total : clock.now();
    return { ...call, timeout, deadline: start + timeout.total };
  };
  if (handlers.length === 1) {
    const only = handlers[0]!;
    return (call) => only(retime(call));
  }
  const cumulative = new Float64Array(weights.length);
  let total = 0;
  weights.forEach((w, i) => (cumulative[i] = total += w));
  return (call) => {
    const r = rng.next() * total;
    let i = 0;
    // A share of weight 0 is never picked: its cumulative weight equals the previous one's.
    while (i < cumulative.length - 1 && cumulative[i]! <= r) i++;
    return handlers[i]!(retime(call));
  };
}

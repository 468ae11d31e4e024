import type { Attributes, Histogram, Meter, UpDownCounter } from '@opentelemetry/api';
import type { Middleware, Reply } from '../core/call.js';
import type { Clock } from '../core/clock.js';
import type { Endpoint } from '../fleet/endpoint.js';
import { errorType } from '../telemetry/error-type.js';

/** The bucket boundaries (s) the HTTP semantic conventions advise for `http.client.request.duration`. */
export const HTTP_DURATION_BUCKETS: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]);

/** Methods the conventions name; any other is reported as `_OTHER`. */
const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE']);

/** The HTTP client instruments of the stable semantic conventions. */
export interface HttpClientInstruments {
  /** `http.client.request.duration` (s): one record per attempt, until its response headers or its error. */
  readonly duration: Histogram;
  /** `http.client.active_requests`: attempts sent and not yet answered. */
  readonly active: UpDownCounter;
}

/** Makes the HTTP client instruments on `meter`. */
export function httpClientInstruments(meter: Meter): HttpClientInstruments {
  return {
    duration: meter.createHistogram('http.client.request.duration', {
      description: 'Duration of HTTP client requests.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...HTTP_DURATION_BUCKETS] },
    }),
    active: meter.createUpDownCounter('http.client.active_requests', { description: 'Number of active HTTP requests.', unit: '{request}' }),
  };
}

/**
 * One attempt's record in the HTTP client instruments, with the conventions' attributes:
 * `http.request.method`, `server.address`, `server.port`, `url.scheme`, then
 * `http.response.status_code` and `error.type` (the status for 4xx/5xx, else the error's code)
 * on the duration, plus `switchyard.service`. Sits where the attempt span does: below the pick
 * and the breaker, so every attempt sent (retries and hedges each) is one record.
 */
export function attemptMetricsLayer(instruments: HttpClientInstruments, clock: Clock): Middleware {
  const { duration, active } = instruments;
  // The endpoint part of the attributes, made once per endpoint (endpoints are immutable).
  const byEndpoint = new WeakMap<Endpoint, Attributes>();
  const endpointAttributes = (endpoint: Endpoint, service: string): Attributes => {
    let attributes = byEndpoint.get(endpoint);
    if (!attributes) {
      const url = new URL(endpoint.url);
      const scheme = url.protocol.slice(0, -1);
      attributes = {
        'server.address': url.hostname,
        'server.port': Number(url.port || (scheme === 'https' ? 443 : 80)),
        'url.scheme': scheme,
        'switchyard.service': service,
      };
      byEndpoint.set(endpoint, attributes);
    }
    return attributes;
  };
  return (call, next) => {
    const method = KNOWN_METHODS.has(call.method) ? call.method : '_OTHER';
    const base = { 'http.request.method': method, ...endpointAttributes(call.endpoint!.endpoint, call.service) };
    const start = clock.now();
    active.add(1, base);
    return next(call).then(
      (reply: Reply) => {
        active.add(-1, base);
        const attributes: Attributes = { ...base, 'http.response.status_code': reply.status };
        if (reply.status >= 400) attributes['error.type'] = String(reply.status);
        duration.record((clock.now() - start) / 1_000, attributes);
        return reply;
      },
      (error: unknown) => {
        active.add(-1, base);
        duration.record((clock.now() - start) / 1_000, { ...base, 'error.type': errorType(error) });
        throw error;
      },
    );
  };
}

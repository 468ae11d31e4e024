import type { Attributes, Histogram, Meter, UpDownCounter } from '@opentelemetry/api';
import type { AttemptObserver } from '../core/attempt-outcome.js';
import type { Endpoint } from '../fleet/endpoint.js';
import { errorType } from '../telemetry/error-type.js';

/** The bucket boundaries (s) the HTTP semantic conventions advise for `http.client.request.duration`. */
export const HTTP_DURATION_BUCKETS: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]);

/** Methods the conventions name; any other is reported as `_OTHER`. */
const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE']);

/** The HTTP client instruments of the stable semantic conventions. */
export interface HttpClientInstruments {
  /** `http.client.request.duration` (s): one record per attempt sent, until its response headers or its error. */
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
 * An observer of a cluster's completion seam that records each attempt in the HTTP client
 * instruments of `service`, with the conventions' attributes: `server.address`, `server.port`, `url.scheme`
 * and `switchyard.service` on both; `http.request.method`, then `http.response.status_code`
 * and `error.type` (the status for 4xx/5xx, else the error's code) on the duration. Every
 * attempt sent is one record (retries and hedges each, aborted ones with their `error.type`);
 * an attempt dropped before a byte was sent is none.
 */
export function httpAttemptObserver(instruments: HttpClientInstruments, service: string): AttemptObserver {
  const { duration, active } = instruments;
  // The endpoint part of the attributes, made once per endpoint (endpoints are immutable).
  const byEndpoint = new WeakMap<Endpoint, Attributes>();
  const endpointAttributes = (endpoint: Endpoint): Attributes => {
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
  return {
    attemptStarted(endpoint) {
      active.add(1, endpointAttributes(endpoint.endpoint));
    },
    attemptEnded({ kind, endpoint, call, startedAt, endedAt, reply, error }) {
      const base = endpointAttributes(endpoint.endpoint);
      active.add(-1, base);
      if (kind === 'dropped') return;
      const attributes: Attributes = { ...base, 'http.request.method': KNOWN_METHODS.has(call.method) ? call.method : '_OTHER' };
      if (reply) {
        attributes['http.response.status_code'] = reply.status;
        if (reply.status >= 400) attributes['error.type'] = String(reply.status);
      } else {
        attributes['error.type'] = errorType(error);
      }
      duration.record((endedAt - startedAt) / 1_000, attributes);
    },
  };
}

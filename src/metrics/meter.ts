import { createNoopMeter, metrics, type Meter, type MeterProvider } from '@opentelemetry/api';
import { ConfigError } from '../core/errors.js';
import { VERSION } from '../version.js';

/** The instrumentation scope of every switchyard instrument. */
const SCOPE = 'switchyard';

/**
 * switchyard's meter from `provider` (default: the global one), or `undefined` when that is the
 * API's no-op provider: then no instrument is made and no metrics layer is built, so metrics
 * cost nothing without an SDK. The API has no proxy meter, so a provider registered later is
 * not seen: the meter is taken when the client or mesh is made.
 * @throws ConfigError naming `meterProvider` when it has no `getMeter()`
 */
export function switchyardMeter(provider: unknown): Meter | undefined {
  if (provider !== undefined && (provider === null || typeof (provider as MeterProvider).getMeter !== 'function')) {
    throw new ConfigError('meterProvider', provider, 'an OpenTelemetry MeterProvider with getMeter()');
  }
  const meter = ((provider as MeterProvider | undefined) ?? metrics.getMeterProvider()).getMeter(SCOPE, VERSION);
  return meter === createNoopMeter() ? undefined : meter;
}

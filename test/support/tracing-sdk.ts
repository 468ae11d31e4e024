/** The real OpenTelemetry trace SDK, registered globally for a test file, with spans kept in memory. */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type Sampler } from '@opentelemetry/sdk-trace-base';

/**
 * Registers a context manager, the W3C propagator and a tracer provider (with `sampler`, if
 * given) exporting to the returned in-memory exporter; `uninstall` removes all three.
 */
export function installTracingSdk(sampler?: Sampler): { exporter: InMemorySpanExporter; uninstall(): void } {
  const exporter = new InMemorySpanExporter();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ ...(sampler ? { sampler } : {}), spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  return {
    exporter,
    uninstall() {
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

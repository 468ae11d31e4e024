import type { BatchObservableCallback, Meter } from '@opentelemetry/api';
import type { EventBus } from '../core/events.js';
import type { EndpointHealth } from '../fleet/endpoint-table.js';
import type { Generation } from '../mesh/generation.js';

/** What the mesh's metrics read: the generation new calls start on. */
export interface ObservedMesh {
  readonly active: Generation | undefined;
}

/** The value of `switchyard.breaker.state` for each endpoint health: closed, half-open, open. */
const BREAKER_STATE: Readonly<Record<EndpointHealth, number>> = Object.freeze({ healthy: 0, probing: 1, ejected: 2 });

/**
 * switchyard's own metrics for a mesh (or a client, a mesh of one service), on `meter`:
 *
 * - counters from the lifecycle events: `switchyard.retries` (by `switchyard.retry.reason`),
 *   `switchyard.hedges` (by `switchyard.hedge.reason`: percentile or delay), `switchyard.budget.exhausted` (by `switchyard.budget.kind`: retry or
 *   hedge), `switchyard.rate_limit.delayed` and `switchyard.rate_limit.rejected`,
 *   `switchyard.ejections`;
 * - observable gauges read from the fleets when the SDK collects, so they cost nothing per call:
 *   `switchyard.endpoints` (by `switchyard.endpoint.state`), `switchyard.breaker.state` per
 *   endpoint (0 closed, 1 half-open, 2 open), `switchyard.discovery.stale_age` (s since the last
 *   good snapshot while discovery fails, else 0), `switchyard.config.generation`.
 *
 * Every service-level instrument carries `switchyard.service`. Returns a function that removes
 * the listeners and the gauges' callback.
 */
export function meshMetrics(meter: Meter, mesh: ObservedMesh, events: EventBus): () => void {
  const retries = meter.createCounter('switchyard.retries', { description: 'Retry attempts sent, by reason.', unit: '{retry}' });
  const hedges = meter.createCounter('switchyard.hedges', { description: 'Hedged attempts sent.', unit: '{hedge}' });
  const exhausted = meter.createCounter('switchyard.budget.exhausted', { description: 'Retries or hedges refused by their budget.', unit: '{refusal}' });
  const delayed = meter.createCounter('switchyard.rate_limit.delayed', { description: 'Attempts that waited for a rate-limit token.', unit: '{attempt}' });
  const rejected = meter.createCounter('switchyard.rate_limit.rejected', { description: 'Attempts rejected by the rate limiter.', unit: '{attempt}' });
  const ejections = meter.createCounter('switchyard.ejections', { description: 'Endpoints ejected by their breaker.', unit: '{ejection}' });
  const offs = [
    events.on('retry', (e) => retries.add(1, { 'switchyard.service': e.service, 'switchyard.retry.reason': e.reason })),
    events.on('hedge', (e) => hedges.add(1, { 'switchyard.service': e.service, 'switchyard.hedge.reason': e.reason })),
    events.on('budget-exhausted', (e) => exhausted.add(1, { 'switchyard.service': e.service, 'switchyard.budget.kind': e.kind })),
    events.on('rate-limited', (e) => (e.rejected ? rejected : delayed).add(1, { 'switchyard.service': e.service })),
    events.on('endpoint-ejected', (e) => ejections.add(1, { 'switchyard.service': e.service })),
  ];

  const endpoints = meter.createObservableGauge('switchyard.endpoints', { description: 'Endpoints of a service, by state.', unit: '{endpoint}' });
  const breakerState = meter.createObservableGauge('switchyard.breaker.state', { description: 'Breaker state per endpoint: 0 closed, 1 half-open, 2 open.' });
  const staleAge = meter.createObservableGauge('switchyard.discovery.stale_age', { description: 'Time since the last good discovery snapshot while discovery fails, else 0.', unit: 's' });
  const generation = meter.createObservableGauge('switchyard.config.generation', { description: 'The active configuration generation.' });
  const observe: BatchObservableCallback = (result) => {
    const active = mesh.active;
    result.observe(generation, active?.number ?? 0);
    if (!active) return;
    for (const { settings, cluster } of active.services.values()) {
      const service = settings.service;
      const counts: Record<EndpointHealth, number> = { healthy: 0, probing: 0, ejected: 0 };
      for (const member of cluster.fleet.snapshot.members) {
        counts[member.health]++;
        result.observe(breakerState, BREAKER_STATE[member.health], { 'switchyard.service': service, 'switchyard.endpoint': member.id });
      }
      for (const state of Object.keys(counts) as EndpointHealth[]) {
        result.observe(endpoints, counts[state], { 'switchyard.service': service, 'switchyard.endpoint.state': state });
      }
      result.observe(staleAge, cluster.discoveryStaleMs() / 1_000, { 'switchyard.service': service });
    }
  };
  const observables = [endpoints, breakerState, staleAge, generation];
  meter.addBatchObservableCallback(observe, observables);
  return () => {
    for (const off of offs) off();
    meter.removeBatchObservableCallback(observe, observables);
  };
}

import type { MeterProvider } from '@opentelemetry/api';
import type { Dispatcher } from 'undici';
import { describe, expectTypeOf, it } from 'vitest';
import {
  HTTP_DURATION_BUCKETS,
  REPLAYABLE_BODY_LIMIT,
  type AlertEvent,
  type AlertMetric,
  type AlertRuleOptions,
  type AlertSeverity,
  type AlertsOptions,
  type Client,
  type ClientOptions,
  type ClientEvents,
  type HealthReason,
  type HealthStatus,
  type Mesh,
  type MeshConfig,
  type MeshDispatcherOptions,
  type MeshHealth,
  type RuntimeOptions,
  type ServiceHealth,
} from '../../src/index.js';

describe('monitoring types', () => {
  it('the runtime takes a meter provider and the HTTP metrics switch', () => {
    expectTypeOf<RuntimeOptions>().toHaveProperty('meterProvider').toEqualTypeOf<MeterProvider | undefined>();
    expectTypeOf<RuntimeOptions>().toHaveProperty('httpMetrics').toEqualTypeOf<boolean | undefined>();
    expectTypeOf(HTTP_DURATION_BUCKETS).toEqualTypeOf<readonly number[]>();
    expectTypeOf<ClientOptions>().toHaveProperty('alerts').toEqualTypeOf<AlertsOptions | undefined>();
  });

  it('health() reports a status per service with reasons', () => {
    expectTypeOf<Mesh['health']>().returns.toEqualTypeOf<MeshHealth>();
    expectTypeOf<Client['health']>().returns.toEqualTypeOf<ServiceHealth>();
    expectTypeOf<HealthStatus>().toEqualTypeOf<'healthy' | 'degraded' | 'down'>();
    expectTypeOf<MeshHealth['services']>().toEqualTypeOf<Readonly<Record<string, ServiceHealth>>>();
    expectTypeOf<ServiceHealth['reasons']>().toEqualTypeOf<readonly HealthReason[]>();
    expectTypeOf<HealthReason['code']>().toEqualTypeOf<'no-config' | 'no-endpoints' | 'all-ejected' | 'discovery-stale' | 'alert'>();
  });

  it('alert rules live in the mesh config and fire events', () => {
    expectTypeOf<MeshConfig>().toHaveProperty('alerts').toEqualTypeOf<AlertsOptions | undefined>();
    expectTypeOf<AlertsOptions['rules']>().toEqualTypeOf<readonly AlertRuleOptions[]>();
    expectTypeOf<AlertRuleOptions['metric']>().toEqualTypeOf<AlertMetric>();
    expectTypeOf<AlertMetric>().toEqualTypeOf<'success-rate' | 'p99' | 'ejected-share' | 'budget-exhausted' | 'discovery-stale'>();
    expectTypeOf<AlertRuleOptions['severity']>().toEqualTypeOf<AlertSeverity | undefined>();
    expectTypeOf<ClientEvents['alert']>().toEqualTypeOf<AlertEvent>();
    expectTypeOf<ClientEvents['alert-resolved']>().toEqualTypeOf<AlertEvent>();
    expectTypeOf<AlertEvent['value']>().toEqualTypeOf<number>();
  });

  it('mesh.dispatcher() is an undici Dispatcher', () => {
    expectTypeOf<Mesh['dispatcher']>().parameter(0).toEqualTypeOf<MeshDispatcherOptions | undefined>();
    expectTypeOf<Mesh['dispatcher']>().returns.toEqualTypeOf<Dispatcher>();
    expectTypeOf<MeshDispatcherOptions['fallback']>().toEqualTypeOf<Dispatcher | undefined>();
    expectTypeOf(REPLAYABLE_BODY_LIMIT).toEqualTypeOf<number>();
  });
});

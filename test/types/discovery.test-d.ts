import { describe, expectTypeOf, it } from 'vitest';
import {
  createDiscovery,
  DiscoveryError,
  pollingDiscovery,
  SwitchyardError,
  type ClientEvents,
  type Discovery,
  type DiscoveryBaseOptions,
  type DiscoveryListener,
  type DiscoverySession,
  type DiscoveryStatus,
  type EndpointInput,
  type ManagedDiscovery,
  type PollingDiscoveryOptions,
  type PollResult,
  type ServiceStats,
} from '../../src/index.js';

describe('discovery base types', () => {
  it('createDiscovery and pollingDiscovery return a Discovery with status()', () => {
    expectTypeOf(createDiscovery).parameter(0).toEqualTypeOf<DiscoveryBaseOptions>();
    expectTypeOf(createDiscovery).returns.toEqualTypeOf<ManagedDiscovery>();
    expectTypeOf(pollingDiscovery).parameter(0).toEqualTypeOf<PollingDiscoveryOptions>();
    expectTypeOf(pollingDiscovery).returns.toEqualTypeOf<ManagedDiscovery>();
    expectTypeOf<ManagedDiscovery>().toMatchTypeOf<Discovery>();
    expectTypeOf<ManagedDiscovery['status']>().returns.toEqualTypeOf<DiscoveryStatus>();
    expectTypeOf<DiscoveryBaseOptions['run']>().toEqualTypeOf<(session: DiscoverySession) => Promise<void>>();
    expectTypeOf<PollingDiscoveryOptions['poll']>().toEqualTypeOf<(signal: AbortSignal) => Promise<PollResult>>();
  });

  it('a session reports keyed endpoints and bounds slow calls', () => {
    expectTypeOf<DiscoverySession['put']>().parameters.toEqualTypeOf<[key: string, endpoint: EndpointInput]>();
    expectTypeOf<DiscoverySession['within']>().returns.toEqualTypeOf<Promise<unknown>>();
    expectTypeOf<DiscoverySession['signal']>().toEqualTypeOf<AbortSignal>();
  });

  it('status, errors, events and stats', () => {
    expectTypeOf<DiscoveryStatus['state']>().toEqualTypeOf<'starting' | 'fresh' | 'stale'>();
    expectTypeOf<DiscoveryStatus['staleForMs']>().toBeNumber();
    expectTypeOf<ServiceStats['discovery']>().toEqualTypeOf<DiscoveryStatus | undefined>();
    expectTypeOf<DiscoveryListener['recovered']>().toEqualTypeOf<((staleForMs: number) => void) | undefined>();
    expectTypeOf<ClientEvents['discovery-recovered']['staleForMs']>().toBeNumber();
    expectTypeOf<DiscoveryError>().toMatchTypeOf<SwitchyardError>();
    expectTypeOf<DiscoveryError['provider']>().toBeString();
  });
});

import { describe, expectTypeOf, it } from 'vitest';
import {
  BALANCER_NAMES,
  createClient,
  leastRequest,
  leastResponseTime,
  maglev,
  p2c,
  peakEwma,
  random,
  ringHash,
  roundRobin,
  weightedRoundRobin,
  type Balancer,
  type BalancerContext,
  type BalancerName,
  type Call,
  type EndpointState,
  type MaglevOptions,
  type Picker,
  type RingHashOptions,
  type ScanningBalancerOptions,
  type SlowStartOptions,
  type WeightedBalancerOptions,
} from '../../src/index.js';

describe('balancer factories', () => {
  it('every factory returns a Balancer and takes its own options, all optional', () => {
    expectTypeOf(random).toEqualTypeOf<() => Balancer>();
    expectTypeOf(roundRobin).toEqualTypeOf<() => Balancer>();
    expectTypeOf(weightedRoundRobin).toEqualTypeOf<(options?: WeightedBalancerOptions) => Balancer>();
    expectTypeOf(p2c).toEqualTypeOf<(options?: WeightedBalancerOptions) => Balancer>();
    expectTypeOf(peakEwma).toEqualTypeOf<(options?: WeightedBalancerOptions) => Balancer>();
    expectTypeOf(leastRequest).toEqualTypeOf<(options?: ScanningBalancerOptions) => Balancer>();
    expectTypeOf(leastResponseTime).toEqualTypeOf<(options?: ScanningBalancerOptions) => Balancer>();
    expectTypeOf(ringHash).toEqualTypeOf<(options?: RingHashOptions) => Balancer>();
    expectTypeOf(maglev).toEqualTypeOf<(options?: MaglevOptions) => Balancer>();
  });

  it('options are plain objects of numbers, with slow start shared', () => {
    expectTypeOf<SlowStartOptions>().toEqualTypeOf<{ windowMs: number; aggression?: number; minWeightPercent?: number }>();
    expectTypeOf<WeightedBalancerOptions>().toEqualTypeOf<{ slowStart?: SlowStartOptions }>();
    expectTypeOf<ScanningBalancerOptions>().toMatchTypeOf<WeightedBalancerOptions>();
    expectTypeOf<ScanningBalancerOptions['maxScan']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<RingHashOptions>().toEqualTypeOf<{ pointsPerEndpoint?: number; maxRingSize?: number }>();
    expectTypeOf<MaglevOptions>().toEqualTypeOf<{ tableSize?: number }>();
  });

  it('names every strategy', () => {
    expectTypeOf<BalancerName>().toEqualTypeOf<
      'round-robin' | 'random' | 'weighted-round-robin' | 'least-request' | 'p2c' | 'peak-ewma' | 'least-response-time' | 'ring-hash' | 'maglev'
    >();
    expectTypeOf(BALANCER_NAMES).toEqualTypeOf<readonly BalancerName[]>();
  });

  it('a factory result or a name is a client balancer option', () => {
    expectTypeOf(createClient).toBeCallableWith({ service: 's', endpoints: [], balancer: p2c({ slowStart: { windowMs: 30_000 } }) });
    expectTypeOf(createClient).toBeCallableWith({ service: 's', endpoints: [], balancer: 'maglev', hashHeader: 'x-user' });
  });
});

describe('the Balancer interface', () => {
  it('builds a picker (or a promise of one) with an optional abort signal', () => {
    expectTypeOf<Balancer['build']>().returns.toEqualTypeOf<Picker | Promise<Picker>>();
    expectTypeOf<BalancerContext['signal']>().toEqualTypeOf<AbortSignal | undefined>();
  });

  it('picks with the attempt time optional, so a custom picker may ignore it', () => {
    expectTypeOf<Picker['pick']>().parameters.toEqualTypeOf<[call: Call, now?: number]>();
    expectTypeOf<Picker['pick']>().returns.toEqualTypeOf<EndpointState | undefined>();
    const custom: Picker = { pick: (_call: Call) => undefined };
    expectTypeOf(custom).toMatchTypeOf<Picker>();
  });
});

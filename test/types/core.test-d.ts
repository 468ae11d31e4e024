import { describe, expectTypeOf, it } from 'vitest';
import {
  BALANCER_NAMES,
  BulkheadFullError,
  CircuitOpenError,
  ClientClosedError,
  compose,
  ConfigError,
  createCall,
  createClient,
  DEFAULTS,
  IDEMPOTENT_METHODS,
  InvalidRequestError,
  RedirectOutsideServiceError,
  ManualClock,
  NoEndpointsError,
  RateLimitedError,
  RetryBudgetExhaustedError,
  roundRobin,
  seededRng,
  SENSITIVE_QUERY_PARAMS,
  staticDiscovery,
  SwitchyardError,
  systemClock,
  systemRng,
  TimeoutError,
  UnreplayableBodyError,
  VERSION,
  type Balancer,
  type BalancerContext,
  type BalancerName,
  type Call,
  type CallOptions,
  type Client,
  type ClientEventListener,
  type ClientEventName,
  type ClientEvents,
  type ClientOptions,
  type Clock,
  type Discovery,
  type DiscoveryListener,
  type Endpoint,
  type EndpointColumns,
  type EndpointEvent,
  type EndpointHealth,
  type EndpointInput,
  type EndpointState,
  type EndpointStats,
  type ErrorCode,
  type EventBase,
  type FetchInit,
  type FleetSnapshot,
  type Handler,
  type HeaderMap,
  type AttemptListener,
  type HeadersInput,
  type Middleware,
  type Picker,
  type Reply,
  type ReplyBody,
  type RequestBody,
  type RequestOptions,
  type ResponseData,
  type Rng,
  type StaticDiscovery,
  type TimeoutOptions,
  type TimerHandle,
  type TransportOptions,
} from '../../src/index.js';

describe('the client API', () => {
  it('createClient takes ClientOptions and returns a Client', () => {
    expectTypeOf(createClient).parameter(0).toEqualTypeOf<ClientOptions>();
    expectTypeOf(createClient).returns.toEqualTypeOf<Client>();
    expectTypeOf<ClientOptions['timeout']>().toEqualTypeOf<TimeoutOptions | undefined>();
    expectTypeOf<ClientOptions['transport']>().toEqualTypeOf<TransportOptions | undefined>();
    expectTypeOf<TimeoutOptions['body']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<TransportOptions['closeGrace']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ClientOptions['balancer']>().toEqualTypeOf<BalancerName | Balancer | undefined>();
    expectTypeOf<ClientOptions['endpoints']>().toEqualTypeOf<readonly EndpointInput[] | undefined>();
    expectTypeOf<ClientOptions['discovery']>().toEqualTypeOf<Discovery | undefined>();
  });

  it('fetch mirrors the global fetch and returns a Response', () => {
    expectTypeOf<Client['fetch']>().parameter(0).toEqualTypeOf<string | URL | Request>();
    expectTypeOf<Client['fetch']>().parameter(1).toEqualTypeOf<FetchInit | undefined>();
    expectTypeOf<Client['fetch']>().returns.toEqualTypeOf<Promise<Response>>();
    expectTypeOf<FetchInit>().toMatchTypeOf<RequestInit>();
    expectTypeOf<FetchInit>().toMatchTypeOf<CallOptions>();
  });

  it('request is undici-shaped', () => {
    expectTypeOf<Client['request']>().parameter(0).toEqualTypeOf<RequestOptions>();
    expectTypeOf<Client['request']>().returns.toEqualTypeOf<Promise<ResponseData>>();
    expectTypeOf<ResponseData['statusCode']>().toBeNumber();
    expectTypeOf<ResponseData['body']>().toEqualTypeOf<ReplyBody>();
    expectTypeOf<RequestOptions['headers']>().toEqualTypeOf<HeadersInput | undefined>();
    expectTypeOf<RequestOptions['body']>().toEqualTypeOf<RequestBody | undefined>();
  });

  it('stats, on and close', () => {
    expectTypeOf<Client['stats']>().returns.toEqualTypeOf<EndpointStats[]>();
    expectTypeOf<EndpointStats['state']>().toEqualTypeOf<EndpointHealth>();
    expectTypeOf<Client['close']>().returns.toEqualTypeOf<Promise<void>>();
    const client = {} as Client;
    client.on('breaker-open', (e) => expectTypeOf(e).toEqualTypeOf<EndpointEvent>());
    client.on('retry', (e) => expectTypeOf(e.attempt).toBeNumber());
    expectTypeOf<ClientEventName>().toEqualTypeOf<keyof ClientEvents>();
    expectTypeOf<ClientEventListener<'endpoint-added'>>().toEqualTypeOf<(event: EndpointEvent) => void>();
    expectTypeOf<EndpointEvent>().toMatchTypeOf<EventBase>();
  });
});

describe('the pipeline model', () => {
  it('a middleware maps a call and next to a reply', () => {
    expectTypeOf<Middleware>().toEqualTypeOf<(call: Call, next: Handler) => Promise<Reply>>();
    expectTypeOf(compose).returns.toEqualTypeOf<(terminal: Handler) => Handler>();
    expectTypeOf(createCall).returns.toEqualTypeOf<Call>();
    expectTypeOf(createCall).parameter(0).toMatchTypeOf<{ service: string }>();
    expectTypeOf<Call['headers']>().toEqualTypeOf<HeaderMap>();
    expectTypeOf<Call['endpoint']>().toEqualTypeOf<EndpointState | undefined>();
    expectTypeOf<Call['listener']>().toEqualTypeOf<AttemptListener | undefined>();
    expectTypeOf<AttemptListener['attemptPicked']>().toEqualTypeOf<(endpoint: EndpointState) => void>();
    expectTypeOf<AttemptListener['requestWritten']>().toEqualTypeOf<((endpoint: EndpointState) => void) | undefined>();
    expectTypeOf<Reply['body']>().toEqualTypeOf<ReplyBody>();
    expectTypeOf(IDEMPOTENT_METHODS).toEqualTypeOf<ReadonlySet<string>>();
  });

  it('balancers build pickers over snapshots', () => {
    expectTypeOf<Balancer['build']>().parameters.toEqualTypeOf<[FleetSnapshot, BalancerContext]>();
    expectTypeOf<Balancer['build']>().returns.toEqualTypeOf<Picker | Promise<Picker>>();
    expectTypeOf<Picker['pick']>().returns.toEqualTypeOf<EndpointState | undefined>();
    expectTypeOf(roundRobin).returns.toEqualTypeOf<Balancer>();
    expectTypeOf(BALANCER_NAMES).toEqualTypeOf<readonly BalancerName[]>();
    expectTypeOf<FleetSnapshot['members']>().toEqualTypeOf<readonly EndpointState[]>();
    expectTypeOf<FleetSnapshot['rows']>().toEqualTypeOf<ArrayLike<number>>();
    // What a picker or user code holds only reads: writing load or health takes the fleet's capabilities.
    expectTypeOf<EndpointState>().not.toHaveProperty('start');
    expectTypeOf<EndpointState>().not.toHaveProperty('finish');
    expectTypeOf<EndpointState>().not.toHaveProperty('setHealth');
    expectTypeOf<EndpointState>().not.toHaveProperty('attachBreaker');
    expectTypeOf<FleetSnapshot['table']>().toEqualTypeOf<EndpointColumns>();
    expectTypeOf<EndpointColumns['inFlight']>().toEqualTypeOf<ArrayLike<number>>();
    expectTypeOf<EndpointColumns['ewmaTauMs']>().toBeNumber();
  });

  it('discovery delivers endpoint snapshots', () => {
    expectTypeOf(staticDiscovery).returns.toEqualTypeOf<StaticDiscovery>();
    expectTypeOf<StaticDiscovery>().toMatchTypeOf<Discovery>();
    expectTypeOf<Discovery['subscribe']>().parameter(0).toEqualTypeOf<DiscoveryListener>();
    expectTypeOf<Discovery['current']>().returns.toEqualTypeOf<readonly Endpoint[]>();
    expectTypeOf<Endpoint['weight']>().toBeNumber();
  });

  it('time and randomness are injectable', () => {
    expectTypeOf(systemClock).toEqualTypeOf<Clock>();
    expectTypeOf(new ManualClock()).toMatchTypeOf<Clock>();
    expectTypeOf<Clock['setTimeout']>().returns.toEqualTypeOf<TimerHandle>();
    expectTypeOf(seededRng).returns.toEqualTypeOf<Rng>();
    expectTypeOf(systemRng).toEqualTypeOf<Rng>();
  });
});

describe('errors', () => {
  it('every error is a SwitchyardError with a code', () => {
    for (const E of [
      ConfigError,
      NoEndpointsError,
      CircuitOpenError,
      RateLimitedError,
      RetryBudgetExhaustedError,
      TimeoutError,
      BulkheadFullError,
      ClientClosedError,
      UnreplayableBodyError,
      InvalidRequestError,
      RedirectOutsideServiceError,
    ]) {
      expectTypeOf(E.prototype).toMatchTypeOf<SwitchyardError>();
    }
    expectTypeOf<SwitchyardError['code']>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<ConfigError['option']>().toBeString();
    expectTypeOf<TimeoutError['kind']>().toEqualTypeOf<'attempt' | 'total' | 'body'>();
    expectTypeOf<RedirectOutsideServiceError['location']>().toBeString();
    expectTypeOf<RedirectOutsideServiceError['status']>().toBeNumber();
  });

  it('constants', () => {
    expectTypeOf(VERSION).toBeString();
    expectTypeOf(DEFAULTS.attemptTimeoutMs).toEqualTypeOf<10_000>();
    expectTypeOf(SENSITIVE_QUERY_PARAMS).toEqualTypeOf<readonly string[]>();
    expectTypeOf<ClientOptions['redactQueryParams']>().toEqualTypeOf<readonly string[] | undefined>();
  });
});

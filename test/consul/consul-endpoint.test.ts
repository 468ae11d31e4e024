import { describe, expect, it } from 'vitest';
import { consulEndpoint, type ConsulHealthEntry } from '../../src/consul/consul-endpoint.js';

const entry = (service: ConsulHealthEntry['Service'], checks: string[] = ['passing'], nodeAddress = '10.0.0.1'): ConsulHealthEntry => ({
  Node: { Node: 'node-a', Address: nodeAddress },
  Service: { ID: 'web-1', Port: 8080, ...service },
  Checks: checks.map((Status) => ({ Status })),
});
const passingOnly = { scheme: 'http', passingOnly: true };
const withWarning = { scheme: 'http', passingOnly: false };

describe('a Consul health entry as an endpoint', () => {
  it('uses the service address, else the node address, keyed by node and service id', () => {
    expect(consulEndpoint(entry({ Address: '10.0.0.9' }), passingOnly)).toEqual(['node-a/web-1', { url: 'http://10.0.0.9:8080', weight: 1, tags: {} }]);
    expect(consulEndpoint(entry({ Address: '' }), passingOnly)?.[1]).toMatchObject({ url: 'http://10.0.0.1:8080' });
    expect(consulEndpoint(entry({ Address: 'fd00::5' }), { scheme: 'https', passingOnly: true })?.[1]).toMatchObject({ url: 'https://[fd00::5]:8080' });
  });

  it('turns key=value tags into tag values, plain tags into "true", and adds Meta', () => {
    const [, endpoint] = consulEndpoint(entry({ Tags: ['version=v2', 'canary'], Meta: { zone: 'eu-1a', version: 'v3' } }), passingOnly)!;
    expect(endpoint).toMatchObject({ tags: { version: 'v3', canary: 'true', zone: 'eu-1a' } });
  });

  it('weighs a passing instance by Weights.Passing and a warning one by Weights.Warning', () => {
    const weights = { Passing: 10, Warning: 1 };
    expect(consulEndpoint(entry({ Weights: weights }), withWarning)?.[1]).toMatchObject({ weight: 10 });
    expect(consulEndpoint(entry({ Weights: weights }, ['passing', 'warning']), withWarning)?.[1]).toMatchObject({ weight: 1 });
  });

  it.each([
    ['a critical check, even when warnings are allowed', entry({}, ['passing', 'critical']), withWarning],
    ['a warning check with passingOnly', entry({}, ['warning']), passingOnly],
    ['a check status Consul does not define', entry({}, ['maintenance']), withWarning],
    ['a weight of 0 for its state', entry({ Weights: { Passing: 1, Warning: 0 } }, ['warning']), withWarning],
    ['no port', entry({ Port: 0 }), passingOnly],
  ])('leaves out an instance with %s', (_name, e, rules) => {
    expect(consulEndpoint(e, rules)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { sliceEndpoints, type EndpointSliceObject, type SliceEndpointObject } from '../../src/kubernetes/slice-endpoints.js';

const rules = { port: 'http', scheme: 'http', addressType: undefined };
const slice = (name: string, endpoints: SliceEndpointObject[], extra: Partial<EndpointSliceObject> = {}): EndpointSliceObject => ({
  metadata: { name },
  addressType: 'IPv4',
  endpoints,
  ports: [
    { name: 'metrics', port: 9090 },
    { name: 'http', port: 8080 },
  ],
  ...extra,
});
const ep = (address: string, conditions: SliceEndpointObject['conditions'] = { ready: true }, more: Partial<SliceEndpointObject> = {}): SliceEndpointObject => ({
  addresses: [address],
  conditions,
  ...more,
});
const urls = (s: EndpointSliceObject[], r = rules): string[] => sliceEndpoints(s, r).entries.map(([, e]) => (e as { url: string }).url);

describe('EndpointSlices as endpoints', () => {
  it('takes the ready endpoints of every slice at the named port, keyed by slice and address', () => {
    const result = sliceEndpoints([slice('a', [ep('10.0.0.1'), ep('10.0.0.2', { ready: false })]), slice('b', [ep('10.0.0.3', {})])], rules);
    expect(result.entries.map(([key, e]) => [key, (e as { url: string }).url])).toEqual([
      ['a/10.0.0.1', 'http://10.0.0.1:8080'],
      ['b/10.0.0.3', 'http://10.0.0.3:8080'],
    ]);
    expect(result.problems).toEqual([]);
  });

  it('falls back to serving, terminating endpoints when none is ready, tagged terminating', () => {
    const s = [slice('a', [ep('10.0.0.1', { ready: false, serving: true, terminating: true }), ep('10.0.0.2', { ready: false, serving: false, terminating: true }), ep('10.0.0.3', { ready: false })])];
    const { entries } = sliceEndpoints(s, rules);
    expect(entries.map(([, e]) => e)).toEqual([{ url: 'http://10.0.0.1:8080', tags: { terminating: 'true' } }]);
    // One ready endpoint anywhere in the service is enough to leave the terminating ones out.
    expect(urls([...s, slice('b', [ep('10.0.0.9')])])).toEqual(['http://10.0.0.9:8080']);
  });

  it.each([
    ['its own zone when no hints are given', { zone: 'a' }, 'a'],
    ['its own zone when the hints name it', { zone: 'a', hints: { forZones: [{ name: 'b' }, { name: 'a' }] } }, 'a'],
    ['the zone it is hinted for, when that is another one', { zone: 'a', hints: { forZones: [{ name: 'c' }] } }, 'c'],
    ['no zone when none is known', {}, undefined],
  ])('its zone is %s', (_name, more, zone) => {
    const [, endpoint] = sliceEndpoints([slice('a', [ep('10.0.0.1', { ready: true }, more)])], rules).entries[0]!;
    expect((endpoint as { zone?: string }).zone).toBe(zone);
  });

  it('tags the node, the pod and the zone it runs in', () => {
    const [, endpoint] = sliceEndpoints([slice('a', [ep('10.0.0.1', { ready: true }, { zone: 'a', nodeName: 'n1', targetRef: { kind: 'Pod', name: 'web-7' } })])], rules).entries[0]!;
    expect(endpoint).toMatchObject({ tags: { node: 'n1', pod: 'web-7', 'topology.kubernetes.io/zone': 'a' } });
  });

  it('takes a numbered port as given, a single port without a name, and brackets IPv6', () => {
    expect(urls([slice('a', [ep('10.0.0.1')])], { ...rules, port: 7000 as never })).toEqual(['http://10.0.0.1:7000']);
    expect(urls([slice('a', [ep('fd00::1')], { addressType: 'IPv6', ports: [{ port: 8443 }] })], { port: undefined as never, scheme: 'https', addressType: undefined })).toEqual(['https://[fd00::1]:8443']);
  });

  it('keeps only the address type asked for', () => {
    const s = [slice('v4', [ep('10.0.0.1')]), slice('v6', [ep('fd00::1')], { addressType: 'IPv6' })];
    expect(urls(s, { ...rules, addressType: 'IPv6' as never })).toEqual(['http://[fd00::1]:8080']);
  });

  it('leaves out a slice whose port cannot be told, and says why', () => {
    expect(sliceEndpoints([slice('a', [ep('10.0.0.1')])], { ...rules, port: 'grpc' }).problems).toEqual(['slice a: no port named "grpc" (it has "metrics", "http")']);
    expect(sliceEndpoints([slice('a', [ep('10.0.0.1')])], { ...rules, port: undefined as never }).problems[0]).toMatch(/several ports .*name one with the port option/);
  });
});

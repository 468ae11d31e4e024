import { describe, expect, it } from 'vitest';
import { nextIndex } from '../../src/consul/blocking-index.js';

describe('the index rules of Consul blocking queries', () => {
  it.each([
    ['the first reply always carries the state', 0n, '42', { index: 42n, changed: true }],
    ['a higher index may carry a change', 42n, '43', { index: 43n, changed: true }],
    ['the same index is a timeout: nothing changed', 42n, '42', { index: 42n, changed: false }],
    ['an index that went backwards resets the wait to 0', 42n, '7', { index: 0n, changed: true }],
    ['an index of 0 is raised to 1', 0n, '0', { index: 1n, changed: true }],
    ['indexes beyond 2^53 stay exact', 9_007_199_254_740_993n, '9007199254740994', { index: 9_007_199_254_740_994n, changed: true }],
    ['a repeated header takes its first value', 5n, ['6', '9'], { index: 6n, changed: true }],
  ])('%s', (_name, previous, header, expected) => {
    expect(nextIndex(previous, header)).toEqual(expected);
  });

  it.each([undefined, '', 'abc', '-1', '1.5'])('a reply without a usable X-Consul-Index (%j) is an error', (header) => {
    expect(() => nextIndex(3n, header)).toThrow(/X-Consul-Index/);
  });
});

import { describe, expect, it } from 'vitest';
import { ConcurrencyLimitedError, ThrottledError } from '../../src/index.js';
import { useLoopbackClients } from '../support/loopback-clients.js';

const loopback = useLoopbackClients(1);

describe('adaptive limits in the client pipeline (real loopback server)', () => {
  it('concurrencyLimit sheds the attempt past the limit with ConcurrencyLimitedError, and does not retry it', async () => {
    await loopback.fleet.setMode(0, { delayMs: 200 });
    const client = loopback.client({ service: 'svc', endpoints: loopback.fleet.urls, concurrencyLimit: { algorithm: 'fixed', limit: 1 } });
    const shed: unknown[] = [];
    client.on('concurrency-limited', (e) => shed.push(e));
    const first = client.request({ path: '/' });
    const second = await client.request({ path: '/' }).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(ConcurrencyLimitedError);
    expect(shed).toHaveLength(1);
    await (await first).body.dump();
    expect((await loopback.fleet.stats(0)).requests).toBe(1);
  });

  it('throttle rejects locally with ThrottledError once the service keeps answering 503', async () => {
    await loopback.fleet.setMode(0, { status: 503 });
    const client = loopback.client({ service: 'svc', endpoints: loopback.fleet.urls, retry: false, breaker: false, throttle: { k: 1.1 } });
    let throttled = 0;
    for (let i = 0; i < 60; i++) {
      await client.request({ path: '/' }).then(
        (res) => res.body.dump(),
        (e: unknown) => {
          if (!(e instanceof ThrottledError)) throw e;
          throttled++;
        },
      );
    }
    expect(throttled).toBeGreaterThan(20);
    expect((await loopback.fleet.stats(0)).requests).toBe(60 - throttled);
  });
});

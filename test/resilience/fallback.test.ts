import { describe, expect, it } from 'vitest';
import { BulkheadFullError } from '../../src/core/errors.js';
import { fallbackLayer } from '../../src/fallback/fallback-layer.js';
import { parseFallbackOptions, type FallbackContext, type FallbackOptions, type FallbackSettings } from '../../src/fallback/fallback-options.js';
import { call, reply } from './fakes.js';

function layer(options: FallbackOptions) {
  return fallbackLayer(parseFallbackOptions(options) as FallbackSettings);
}

describe('fallback', () => {
  it('passes replies through untouched', async () => {
    const r = reply(200);
    expect(await layer({ handler: () => ({ body: 'x' }) })(call(0), async () => r)).toBe(r);
  });

  it('produces a reply from the handler when the pipeline throws, with a readable body and no endpoint', async () => {
    const seen: FallbackContext[] = [];
    const mw = layer({
      handler: (context) => {
        seen.push(context);
        return { status: 203, headers: { 'content-type': 'application/json' }, body: '{"cached":true}' };
      },
    });
    const failure = new BulkheadFullError(1, 0);
    const r = await mw(call(0), async () => {
      throw failure;
    });
    expect([r.status, r.headers, r.endpoint]).toEqual([203, { 'content-type': 'application/json' }, undefined]);
    expect(await r.body.json()).toEqual({ cached: true });
    expect(r.body.bodyUsed).toBe(true);
    expect(seen[0]!.error).toBe(failure);
    expect(seen[0]!.reply).toBeUndefined();
  });

  it('also takes over final replies with a listed status, dumping their body', async () => {
    const mw = layer({ handler: (c) => ({ body: new Uint8Array([c.reply!.status % 256]) }), statuses: [503] });
    const failed = reply(503);
    const r = await mw(call(0), async () => failed);
    expect(failed.dumped()).toBe(true);
    expect([...(await r.body.bytes())]).toEqual([503 % 256]);
    const notListed = reply(500);
    expect(await mw(call(0), async () => notListed)).toBe(notListed);
  });

  it("leaves the caller's own abort alone", async () => {
    const controller = new AbortController();
    controller.abort(new Error('caller left'));
    const mw = layer({ handler: () => ({ body: 'never' }) });
    await expect(
      mw(call(0, { signal: controller.signal }), async () => {
        throw controller.signal.reason;
      }),
    ).rejects.toThrow('caller left');
  });

  it("passes on the handler's own error", async () => {
    const mw = layer({
      handler: () => {
        throw new Error('no cache either');
      },
    });
    await expect(mw(call(0), async () => Promise.reject(new Error('down')))).rejects.toThrow('no cache either');
  });
});

import { describe, expect, it } from 'vitest';
import { compose, createCall, type Call, type Handler, type Middleware, type Reply } from '../../src/index.js';

const reply = { status: 200, headers: {}, body: {} as Reply['body'], endpoint: undefined } satisfies Reply;
const call = { method: 'GET', path: '/' } as Call;

describe('compose', () => {
  it('runs the first middleware outermost and the terminal handler last', async () => {
    const trail: string[] = [];
    const mw = (name: string): Middleware => async (c, next) => {
      trail.push(`${name} in`);
      const r = await next(c);
      trail.push(`${name} out`);
      return r;
    };
    const terminal: Handler = async () => {
      trail.push('terminal');
      return reply;
    };
    await compose(mw('a'), mw('b'), mw('c'))(terminal)(call);
    expect(trail).toEqual(['a in', 'b in', 'c in', 'terminal', 'c out', 'b out', 'a out']);
  });

  it('passes the call a middleware hands to next, not the original', async () => {
    const seen: string[] = [];
    const rewrite: Middleware = (c, next) => next({ ...c, path: '/rewritten' });
    await compose(rewrite)(async (c) => (seen.push(c.path), reply))(call);
    expect(seen).toEqual(['/rewritten']);
  });

  it('with no middleware is the terminal handler', async () => {
    const terminal: Handler = async () => reply;
    expect(compose()(terminal)).toBe(terminal);
  });

  it('lets a middleware short-circuit without calling next', async () => {
    const cached: Middleware = async () => ({ ...reply, status: 304 });
    const r = await compose(cached)(async () => {
      throw new Error('must not be called');
    })(call);
    expect(r.status).toBe(304);
  });
});

describe('createCall', () => {
  it('defaults every field not given, for driving a composed pipeline directly', async () => {
    const c = createCall({ service: 'svc', path: '/v1/items', headers: { 'x-a': '1' } });
    expect(c).toMatchObject({ service: 'svc', method: 'GET', path: '/v1/items', headers: { 'x-a': '1' }, body: null, deadline: Infinity, attempt: 0, idempotent: true });
    expect(c.tried.size).toBe(0);
    expect(c.endpoint).toBeUndefined();
    const seen: Call[] = [];
    await compose()(async (x) => (seen.push(x), reply))(c);
    expect(seen).toEqual([c]);
  });
});

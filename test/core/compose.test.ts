import { describe, expect, it } from 'vitest';
import { compose, type Call, type Handler, type Middleware, type Reply } from '../../src/index.js';

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

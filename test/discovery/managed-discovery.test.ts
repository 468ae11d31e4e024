import { describe, expect, it } from 'vitest';
import { createDiscovery, createMesh, DiscoveryError, ManualClock, pollingDiscovery, seededRng, type DiscoverySession, type Endpoint } from '../../src/index.js';

/** A listener that records what it is told. */
function recorder() {
  const updates: string[][] = [];
  const errors: unknown[] = [];
  const recovered: number[] = [];
  return {
    updates,
    errors,
    recovered,
    listener: {
      update: (endpoints: readonly Endpoint[]) => updates.push(endpoints.map((e) => e.url)),
      error: (error: unknown) => errors.push(error),
      recovered: (staleForMs: number) => recovered.push(staleForMs),
    },
  };
}

/** A watch-style provider whose sessions the test drives by hand. */
function scripted(clock: ManualClock, seed = 1) {
  const sessions: { session: DiscoverySession; fail: (e: unknown) => void; end: () => void }[] = [];
  const discovery = createDiscovery({
    name: 'test registry',
    clock,
    rng: seededRng(seed),
    backoff: { initialMs: 100, maxMs: 1_000 },
    run: (session) =>
      new Promise<void>((resolve, reject) => {
        sessions.push({ session, fail: reject, end: resolve });
        session.signal.addEventListener('abort', () => resolve());
      }),
  });
  return { discovery, sessions };
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('createDiscovery (the shared discovery base)', () => {
  it('publishes full snapshots from replace, put and remove, and ready() resolves on the first', async () => {
    const clock = new ManualClock();
    const { discovery, sessions } = scripted(clock);
    const r = recorder();
    discovery.subscribe(r.listener);
    let ready = false;
    void discovery.ready().then(() => (ready = true));
    await flush();
    expect(ready).toBe(false);
    sessions[0]!.session.replace([
      ['a', 'http://127.0.0.1:1001'],
      ['b', 'http://127.0.0.1:1002'],
    ]);
    await flush();
    expect(ready).toBe(true);
    sessions[0]!.session.put('c', { url: 'http://127.0.0.1:1003', weight: 2 });
    sessions[0]!.session.remove('a');
    sessions[0]!.session.remove('nope');
    expect(r.updates).toEqual([
      ['http://127.0.0.1:1001', 'http://127.0.0.1:1002'],
      ['http://127.0.0.1:1001', 'http://127.0.0.1:1002', 'http://127.0.0.1:1003'],
      ['http://127.0.0.1:1002', 'http://127.0.0.1:1003'],
    ]);
    expect(discovery.status()).toMatchObject({ endpoints: 2, state: 'fresh', staleForMs: 0, failures: 0 });
    await discovery.close();
  });

  it('does not publish a snapshot equal to the current one', async () => {
    const clock = new ManualClock();
    const { discovery, sessions } = scripted(clock);
    const r = recorder();
    discovery.subscribe(r.listener);
    await flush();
    sessions[0]!.session.replace(['http://127.0.0.1:1001']);
    sessions[0]!.session.replace(['http://127.0.0.1:1001']);
    expect(r.updates).toHaveLength(1);
    await discovery.close();
  });

  it('keeps the last good set through a failed session, reports it, and restarts with backoff', async () => {
    const clock = new ManualClock();
    const { discovery, sessions } = scripted(clock);
    const r = recorder();
    discovery.subscribe(r.listener);
    await flush();
    sessions[0]!.session.replace(['http://127.0.0.1:1001']);
    clock.advance(1_000);
    sessions[0]!.fail(new Error('connection refused'));
    await flush();
    expect(discovery.current().map((e) => e.url)).toEqual(['http://127.0.0.1:1001']);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toBeInstanceOf(DiscoveryError);
    expect((r.errors[0] as DiscoveryError).message).toBe('Discovery test registry: connection refused');
    expect((r.errors[0] as DiscoveryError).cause).toEqual(new Error('connection refused'));
    clock.advance(250);
    expect(discovery.status()).toMatchObject({ endpoints: 1, state: 'stale', staleForMs: 250, failures: 1 });
    // The first backoff is in [50, 100): no new session before 50 ms, one by 100 ms.
    expect(sessions).toHaveLength(1);
    await clock.advanceAsync(100, 1);
    expect(sessions).toHaveLength(2);
    // The new session starts from the last good set; its first answer recovers the provider.
    sessions[1]!.session.put('0', 'http://127.0.0.1:1001');
    expect(r.recovered).toEqual([expect.any(Number)]);
    expect(r.recovered[0]).toBeGreaterThanOrEqual(300);
    expect(r.updates).toHaveLength(1);
    expect(discovery.status()).toMatchObject({ state: 'fresh', failures: 0, lastError: undefined });
    await discovery.close();
  });

  it('backs off exponentially with equal jitter, capped at maxMs, drawn from the seeded RNG', async () => {
    const delays = async (seed: number): Promise<number[]> => {
      const clock = new ManualClock();
      const { discovery, sessions } = scripted(clock, seed);
      discovery.subscribe(recorder().listener);
      await flush();
      const starts: number[] = [];
      for (let i = 0; i < 6; i++) {
        const at = clock.now();
        sessions[i]!.fail(new Error('down'));
        await flush();
        while (sessions.length === i + 1) await clock.advanceAsync(1, 1);
        starts.push(clock.now() - at);
      }
      await discovery.close();
      return starts;
    };
    const a = await delays(7);
    const ceilings = [100, 200, 400, 800, 1_000, 1_000];
    a.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(ceilings[i]! / 2);
      expect(d).toBeLessThanOrEqual(ceilings[i]!);
    });
    expect(await delays(7)).toEqual(a);
    expect(await delays(8)).not.toEqual(a);
  });

  it('treats an empty snapshot as a failure and keeps the last good set', async () => {
    const clock = new ManualClock();
    const { discovery, sessions } = scripted(clock);
    const r = recorder();
    discovery.subscribe(r.listener);
    await flush();
    sessions[0]!.session.replace(['http://127.0.0.1:1001']);
    sessions[0]!.session.remove('0');
    sessions[0]!.session.replace([]);
    expect(discovery.current()).toHaveLength(1);
    expect(r.updates).toHaveLength(1);
    expect(r.errors.map((e) => (e as Error).message)).toEqual([
      'Discovery test registry: the registry lists no valid endpoint; keeping the last good set of 1',
      'Discovery test registry: the registry lists no valid endpoint; keeping the last good set of 1',
    ]);
    expect(discovery.status().state).toBe('stale');
    await discovery.close();
  });

  it('reports an invalid entry naming its key and publishes the valid ones', async () => {
    const clock = new ManualClock();
    const { discovery, sessions } = scripted(clock);
    const r = recorder();
    discovery.subscribe(r.listener);
    await flush();
    sessions[0]!.session.replace([
      ['good', 'http://127.0.0.1:1001'],
      ['bad', 'ftp://x'],
    ]);
    expect(r.updates).toEqual([['http://127.0.0.1:1001']]);
    expect((r.errors[0] as Error).message).toContain('Invalid option test registry["bad"].url: "ftp://x"');
    await discovery.close();
  });

  it('ready() resolves on the first error when the registry is down from the start', async () => {
    const clock = new ManualClock();
    const { discovery, sessions } = scripted(clock);
    const ready = discovery.ready();
    await flush();
    sessions[0]!.fail(new Error('down'));
    await ready;
    expect(discovery.status()).toMatchObject({ state: 'starting', endpoints: 0, failures: 1 });
    await discovery.close();
  });

  it('session.within rejects a hung task after its timeout and aborts its signal', async () => {
    const clock = new ManualClock();
    const { discovery, sessions } = scripted(clock);
    void discovery.ready();
    await flush();
    let aborted: unknown;
    const hung = sessions[0]!.session.within('connect', 500, (signal) => new Promise(() => signal.addEventListener('abort', () => (aborted = signal.reason))));
    clock.advance(499);
    const settled = settledState(hung);
    await flush();
    expect(settled.done).toBe(false);
    clock.advance(1);
    await flush();
    expect(settled.error).toBeInstanceOf(DiscoveryError);
    expect((settled.error as Error).message).toBe('Discovery test registry: connect did not finish within 500 ms');
    expect(aborted).toBe(settled.error);
    await discovery.close();
    expect(clock.pendingTimers).toBe(0);
  });

  it('close() stops the session, clears its timers and delivers nothing afterwards', async () => {
    const clock = new ManualClock();
    const { discovery, sessions } = scripted(clock);
    const r = recorder();
    discovery.subscribe(r.listener);
    await flush();
    sessions[0]!.fail(new Error('down'));
    await flush();
    expect(clock.pendingTimers).toBe(1);
    await discovery.close();
    expect(clock.pendingTimers).toBe(0);
    expect(sessions[0]!.session.signal.aborted).toBe(true);
    sessions[0]!.session.replace(['http://127.0.0.1:1001']);
    expect(r.updates).toEqual([]);
    expect(discovery.subscribe(r.listener)).toBeTypeOf('function');
    await clock.advanceAsync(10_000, 1_000);
    expect(sessions).toHaveLength(1);
  });

  it('keeps memory bounded under churn: only the current entries are held', async () => {
    const clock = new ManualClock();
    const { discovery, sessions } = scripted(clock);
    discovery.subscribe(recorder().listener);
    await flush();
    const s = sessions[0]!.session;
    s.put('base', 'http://127.0.0.1:1000');
    for (let i = 0; i < 20_000; i++) {
      s.put(`k${i}`, `http://127.0.0.1:${2000 + (i % 1000)}`);
      if (i >= 10) s.remove(`k${i - 10}`);
    }
    expect(discovery.current()).toHaveLength(11);
    expect(discovery.status().endpoints).toBe(11);
    await discovery.close();
  });

  it('validates its options, naming the option and the value', () => {
    expect(() => createDiscovery({ name: '', run: async () => {} })).toThrow('Invalid option name: "" (expected a non-empty string)');
    expect(() => createDiscovery({ name: 'x', run: 1 as never })).toThrow('Invalid option run: 1');
    expect(() => createDiscovery({ name: 'x', run: async () => {}, backoff: { initialMs: 0 } })).toThrow('Invalid option backoff.initialMs: 0');
    expect(() => createDiscovery({ name: 'x', run: async () => {}, backoff: { initialMs: 100, maxMs: 50 } })).toThrow('Invalid option backoff.maxMs: 50');
  });
});

describe('pollingDiscovery', () => {
  it('polls again after the answer TTL, clamped to [minRefreshMs, maxRefreshMs]', async () => {
    const clock = new ManualClock();
    const ttls = [10, 5_000, 999_999];
    const polledAt: number[] = [];
    const discovery = pollingDiscovery({
      name: 'ttl',
      clock,
      rng: seededRng(1),
      minRefreshMs: 1_000,
      maxRefreshMs: 60_000,
      poll: async () => {
        polledAt.push(clock.now());
        return { endpoints: [`http://127.0.0.1:${1000 + polledAt.length}`], ttlMs: ttls[polledAt.length - 1] };
      },
    });
    await discovery.ready();
    await clock.advanceAsync(70_000, 100);
    expect(polledAt.slice(0, 4)).toEqual([0, 1_000, 6_000, 66_000]);
    expect(discovery.current().map((e) => e.url)).toEqual(['http://127.0.0.1:1004']);
    await discovery.close();
  });

  it('keeps the last good set while polls fail or time out, then recovers', async () => {
    const clock = new ManualClock();
    let mode: 'ok' | 'fail' | 'hang' = 'ok';
    const discovery = pollingDiscovery({
      name: 'flaky',
      clock,
      rng: seededRng(3),
      refreshMs: 1_000,
      timeoutMs: 200,
      backoff: { initialMs: 100, maxMs: 400 },
      poll: (signal) => {
        if (mode === 'fail') return Promise.reject(new Error('SERVFAIL'));
        if (mode === 'hang') return new Promise((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
        return Promise.resolve({ endpoints: ['http://127.0.0.1:1001'] });
      },
    });
    const r = recorder();
    discovery.subscribe(r.listener);
    await discovery.ready();
    mode = 'fail';
    await clock.advanceAsync(1_000, 10);
    expect(discovery.current()).toHaveLength(1);
    mode = 'hang';
    await clock.advanceAsync(2_000, 10);
    expect(discovery.current()).toHaveLength(1);
    expect(r.errors.map((e) => (e as Error).message)).toContain('Discovery flaky: SERVFAIL');
    expect(r.errors.map((e) => (e as Error).message)).toContain('Discovery flaky: poll did not finish within 200 ms');
    expect(discovery.status().state).toBe('stale');
    mode = 'ok';
    await clock.advanceAsync(1_000, 10);
    expect(discovery.status().state).toBe('fresh');
    expect(r.recovered).toHaveLength(1);
    expect(r.updates).toHaveLength(1);
    await discovery.close();
    expect(clock.pendingTimers).toBe(0);
  });

  it('validates the refresh options', () => {
    expect(() => pollingDiscovery({ name: 'x', poll: async () => ({ endpoints: [] }), minRefreshMs: 10, maxRefreshMs: 5 })).toThrow('Invalid option maxRefreshMs: 5');
    expect(() => pollingDiscovery({ name: 'x', poll: 'no' as never })).toThrow('Invalid option poll: "no"');
  });
});

describe('a mesh over a managed provider', () => {
  it('emits discovery-error and discovery-recovered and shows the stale age in stats()', async () => {
    const clock = new ManualClock();
    const { discovery, sessions } = scripted(clock);
    const mesh = createMesh({ clock, discovery: { payments: discovery }, config: { services: { payments: {} } } });
    const events: string[] = [];
    mesh.on('discovery-error', (e) => events.push(`error ${(e.error as Error).message}`));
    mesh.on('discovery-recovered', (e) => events.push(`recovered after ${e.staleForMs} ms`));
    await flush();
    sessions[0]!.session.replace(['http://127.0.0.1:1001']);
    expect(mesh.stats().services.payments!.discovery).toMatchObject({ state: 'fresh', staleForMs: 0, endpoints: 1 });
    sessions[0]!.session.error(new Error('watch lost'));
    clock.advance(3_000);
    expect(mesh.stats().services.payments!.discovery).toMatchObject({ state: 'stale', staleForMs: 3_000 });
    expect(mesh.stats().services.payments!.endpoints.map((e) => e.url)).toEqual(['http://127.0.0.1:1001']);
    sessions[0]!.session.confirm();
    expect(events).toEqual(['error Discovery test registry: watch lost', 'recovered after 3000 ms']);
    await mesh.close();
    expect(sessions[0]!.session.signal.aborted).toBe(true);
  });
});

function settledState<T>(p: Promise<T>): { done: boolean; error: unknown } {
  const state = { done: false, error: undefined as unknown };
  p.then(
    () => (state.done = true),
    (e: unknown) => {
      state.done = true;
      state.error = e;
    },
  );
  return state;
}

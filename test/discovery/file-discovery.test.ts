import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileDiscovery } from '../../src/file.js';
import { ConfigError, type Endpoint } from '../../src/index.js';

const dirs: string[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-endpoints-'));
  dirs.push(dir);
  return dir;
}

/** A subscribed provider and a way to wait for what it reports. */
function watch(path: string) {
  const discovery = fileDiscovery(path, { debounceMs: 10 });
  closers.push(() => discovery.close());
  const errors: unknown[] = [];
  let recovered = 0;
  const waiters = new Set<() => void>();
  discovery.subscribe({
    update: () => waiters.forEach((w) => w()),
    error: (e) => {
      errors.push(e);
      waiters.forEach((w) => w());
    },
    recovered: () => recovered++,
  });
  /** Resolves once `check` holds after some report (bounded wall time; generous for a loaded machine). */
  const until = (check: () => boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      if (check()) return resolve();
      const timer = setTimeout(() => reject(new Error('timed out waiting for the file provider')), 20_000);
      const w = (): void => {
        if (!check()) return;
        clearTimeout(timer);
        waiters.delete(w);
        resolve();
      };
      waiters.add(w);
    });
  const urls = (): string[] => discovery.current().map((e: Endpoint) => e.url);
  return { discovery, errors, until, urls, recovered: () => recovered };
}

describe('fileDiscovery (switchyard/file, a watched file on disk)', () => {
  it('reads the file, then follows edits and atomic renames', async () => {
    const dir = await folder();
    const path = join(dir, 'payments.json');
    await writeFile(path, JSON.stringify(['http://127.0.0.1:8001', { url: 'http://127.0.0.1:8002', weight: 3, zone: 'a', tags: { version: 'v2' } }]));
    const w = watch(path);
    await w.discovery.ready();
    expect(w.urls()).toEqual(['http://127.0.0.1:8001', 'http://127.0.0.1:8002']);
    expect(w.discovery.current()[1]).toMatchObject({ weight: 3, zone: 'a', tags: { version: 'v2' } });
    await writeFile(path, JSON.stringify(['http://127.0.0.1:8003']));
    await w.until(() => w.urls().join() === 'http://127.0.0.1:8003');
    await writeFile(join(dir, 'next.tmp'), JSON.stringify({ endpoints: ['http://127.0.0.1:8004', 'http://127.0.0.1:8005'] }));
    await rename(join(dir, 'next.tmp'), path);
    await w.until(() => w.urls().join() === 'http://127.0.0.1:8004,http://127.0.0.1:8005');
    expect(w.errors).toEqual([]);
  });

  it('keeps the last good set when the file turns malformed or empty, and recovers when it is fixed', async () => {
    const dir = await folder();
    const path = join(dir, 'payments.json');
    await writeFile(path, JSON.stringify(['http://127.0.0.1:8001']));
    const w = watch(path);
    await w.discovery.ready();
    await writeFile(path, '{ not json');
    await w.until(() => w.errors.length === 1);
    expect(w.errors[0]).toBeInstanceOf(ConfigError);
    expect((w.errors[0] as Error).message).toContain('expected valid JSON');
    expect(w.urls()).toEqual(['http://127.0.0.1:8001']);
    expect(w.discovery.status().state).toBe('stale');
    await writeFile(path, '[]');
    await w.until(() => w.errors.length === 2);
    expect((w.errors[1] as Error).message).toContain('lists no valid endpoint; keeping the last good set of 1');
    expect(w.urls()).toEqual(['http://127.0.0.1:8001']);
    await writeFile(path, JSON.stringify(['http://127.0.0.1:8009']));
    await w.until(() => w.urls().join() === 'http://127.0.0.1:8009');
    expect(w.recovered()).toBe(1);
    expect(w.discovery.status().state).toBe('fresh');
  });

  it('reads YAML ({ endpoints: [...] }) and reports a missing file until it appears', async () => {
    const dir = await folder();
    const path = join(dir, 'payments.yaml');
    const w = watch(path);
    await w.discovery.ready();
    expect(w.discovery.status()).toMatchObject({ state: 'starting', endpoints: 0, failures: 1 });
    expect((w.errors[0] as ConfigError).option).toBe('path');
    await writeFile(path, 'endpoints:\n  - http://127.0.0.1:8101\n  - url: http://127.0.0.1:8102\n    weight: 2\n');
    await w.until(() => w.urls().length === 2);
    expect(w.discovery.current()[1]!.weight).toBe(2);
  });

  it('validates its options', () => {
    expect(() => fileDiscovery('')).toThrow('Invalid option path: ""');
    expect(() => fileDiscovery('x.json', { format: 'toml' as never })).toThrow('Invalid option format: "toml"');
    expect(() => fileDiscovery('x.json', { debounceMs: -1 })).toThrow('Invalid option debounceMs: -1');
  });
});

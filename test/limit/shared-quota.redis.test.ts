import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../support/redis-server.js';

/**
 * Four real processes share one quota through a real redis-server on loopback, each asking for
 * tokens at its own rate from a `sharedQuota` (the leased token bucket).
 */
const WORKER = fileURLToPath(new URL('./fixtures/quota-worker.ts', import.meta.url));
const QUOTA = 2_000;
const SLOT_MS = 100;

interface WorkerResult {
  readonly asked: number[];
  readonly granted: number[];
  readonly states: string[];
}

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

/** Runs one worker per demand for `durationMs`; `during(t)` is called with the run's start (wall ms). */
async function run(key: string, demands: readonly number[], durationMs: number, during?: (start: number) => Promise<void>): Promise<WorkerResult[]> {
  const children: ChildProcess[] = demands.map(() => fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  try {
    const next = (child: ChildProcess): Promise<unknown> => new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
    });
    await Promise.all(children.map((child, i) => {
      const ready = next(child);
      child.send({ url: redis.url, key, client: `p${i}`, quota: QUOTA, demand: demands[i], durationMs });
      return ready;
    }));
    const start = Date.now() + 500;
    const results = children.map((child) => next(child) as Promise<WorkerResult>);
    children.forEach((child) => child.send({ start }));
    await during?.(start);
    return await Promise.all(results);
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/** Sum of `field` over slots in [fromMs, toMs) of every worker (or one). */
const total = (results: readonly WorkerResult[], field: 'asked' | 'granted', fromMs: number, toMs: number): number =>
  results.reduce((sum, r) => sum + r[field].slice(fromMs / SLOT_MS, toMs / SLOT_MS).reduce((a, b) => a + b, 0), 0);

describe('a quota shared by four processes through Redis', () => {
  it('holds 2 000/s within ±5 % over 20 s with uneven demand (one process wants 80 %), split max-min fair', async () => {
    // Demand 1 600 + 3 × 300 = 2 500/s against 2 000/s: the fair split is 1 100 + 3 × 300.
    const results = await run('even', [1_600, 300, 300, 300], 23_000);
    const from = 3_000;
    const to = 23_000;
    const seconds = (to - from) / 1_000;
    const granted = total(results, 'granted', from, to);
    expect(granted / seconds).toBeGreaterThanOrEqual(QUOTA * 0.95);
    expect(granted / seconds).toBeLessThanOrEqual(QUOTA * 1.05);
    const perProcess = results.map((r) => total([r], 'granted', from, to) / seconds);
    expect(perProcess[0]).toBeGreaterThan(1_100 * 0.9);
    expect(perProcess[0]).toBeLessThan(1_100 * 1.1);
    for (const light of perProcess.slice(1)) expect(light).toBeGreaterThan(300 * 0.9);
  }, 90_000);

  it('with Redis killed for 5 s: every process keeps asking without waiting, the total stays within the quota, and shares recover after', async () => {
    const killAt = 4_000;
    const backAt = 9_000;
    const durationMs = 15_000;
    const demands = [1_600, 300, 300, 300];
    const results = await run('outage', demands, durationMs, async (start) => {
      await new Promise((r) => setTimeout(r, start + killAt - Date.now()));
      await redis.kill();
      await new Promise((r) => setTimeout(r, start + backAt - Date.now()));
      await redis.restart();
    });
    // No call waited on Redis: every attempt due during the outage was made (acquire is synchronous and local).
    results.forEach((r, i) => expect(total([r], 'asked', killAt, backAt)).toBeGreaterThanOrEqual(demands[i]! * 5 * 0.97));
    // At or under the quota: the shares sum to at most 2 000/s; bursts (100 ms of share each) can move at most 200 tokens.
    expect(total(results, 'granted', killAt, backAt)).toBeLessThanOrEqual(QUOTA * 5 + QUOTA * 0.1);
    // Each process kept its last share, then fell back to quota / 4 processes.
    for (const r of results) expect(r.states.slice(killAt / 1_000 + 1, backAt / 1_000)).toContain('fallback');
    // Back to the fair split once Redis is back.
    expect(results.every((r) => r.states.at(-1) === 'live')).toBe(true);
    const after = total(results, 'granted', backAt + 3_000, durationMs) / ((durationMs - backAt - 3_000) / 1_000);
    expect(after).toBeGreaterThanOrEqual(QUOTA * 0.95);
    expect(after).toBeLessThanOrEqual(QUOTA * 1.05);
  }, 90_000);
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient, RetryBudgetExhaustedError, SwitchyardError } from '../../../src/index.js';
import { startLoopbackFleet, type LoopbackFleet } from '../../support/loopback.js';
import { watchResources } from '../../support/resource-watch.js';

let fleet: LoopbackFleet;
beforeAll(async () => {
  fleet = await startLoopbackFleet(3);
});
afterAll(() => fleet.stop());

it('all endpoints down: across 10,000 calls the retry budget holds attempts to 1.25 per call, and every call settles with a typed error', async () => {
  for (let i = 0; i < 3; i++) await fleet.setMode(i, { reset: true });
  const resources = watchResources();
  const client = createClient({ service: 'svc', endpoints: fleet.urls, retry: { retries: 2 } });
  let exhausted = 0;
  client.on('budget-exhausted', () => void exhausted++);
  const calls = 10_000;
  const errors = new Map<string, number>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls) {
      next++;
      const outcome = await client.request({ path: '/echo' }).then(
        async (res) => {
          await res.body.dump();
          return `status ${res.statusCode}`;
        },
        (error: unknown) => {
          const code = (error as { code?: unknown }).code;
          const typed = error instanceof SwitchyardError || (error instanceof Error && typeof code === 'string');
          return typed ? `${(error as Error).name} ${String(code)}` : `untyped ${String(error)}`;
        },
      );
      errors.set(outcome, (errors.get(outcome) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: 50 }, worker));
  const attempts = (await Promise.all([0, 1, 2].map((i) => fleet.stats(i)))).reduce((n, s) => n + s.requests, 0);
  expect([...errors.values()].reduce((a, b) => a + b, 0)).toBe(calls);
  expect([...errors.keys()].filter((k) => k.startsWith('untyped') || k.startsWith('status'))).toEqual([]);
  expect(errors.get(`${RetryBudgetExhaustedError.name} SWITCHYARD_RETRY_BUDGET_EXHAUSTED`)).toBeGreaterThan(0);
  expect(exhausted).toBeGreaterThan(0);
  expect(attempts).toBeGreaterThan(calls);
  expect(attempts / calls).toBeLessThanOrEqual(1.25);
  await client.close();
  expect(await resources.settled()).toEqual([]);
}, 120_000);

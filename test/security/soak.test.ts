/**
 * The mixed-fault soak: 20 000 calls at concurrency 64 against four node:http backends in a child
 * process that answer, answer 503, reset before the headers, reset in the middle of the body,
 * never answer, answer slowly, or close the keep-alive socket after answering; a few calls carry a
 * header undici refuses before sending (the caller's fault, not an endpoint's). Every call must
 * settle with a reply or a typed error, with no uncaught exception and no unhandled rejection;
 * after close() no timer or socket is left, and the heap is back near where it started.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient, seededRng, type Client, type Rng } from '../../src/index.js';
import { FAULT_SERVER, startLoopbackFleet, type LoopbackFleet } from '../support/loopback.js';
import { watchResources } from '../support/resource-watch.js';
import { isTypedError } from '../support/typed-error.js';
import { watchUncaught } from '../support/uncaught.js';

const CALLS = 20_000;
const CONCURRENCY = 64;

/** Routes of the fault server and how often each is called (they sum to 100). */
const MIX: ReadonlyArray<[path: string, percent: number]> = [
  ['/ok', 41],
  ['/status/503', 15],
  ['/reset-before', 8],
  ['/reset-mid/16384', 8],
  ['/hang', 2],
  ['/slow/3/5', 10],
  ['/close', 8],
  ['/bytes/65536', 8],
];

let fleet: LoopbackFleet;
beforeAll(async () => {
  fleet = await startLoopbackFleet(4, FAULT_SERVER);
});
afterAll(() => fleet.stop());

function pickPath(rng: Rng): string {
  let r = rng.next() * 100;
  for (const [path, percent] of MIX) {
    if ((r -= percent) < 0) return path;
  }
  return MIX[0]![0];
}

/** One call, by fetch or request, its body read to the end or cancelled; what it settled with. */
async function oneCall(client: Client, rng: Rng): Promise<string> {
  const path = pickPath(rng);
  const how = rng.next();
  try {
    if (how < 0.02) {
      // The caller's bad input, which undici refuses before sending: it must not eject an endpoint.
      const res = await client.request({ path, headers: { upgrade: 'websocket' } });
      await res.body.arrayBuffer();
      return `reply ${res.statusCode}`;
    }
    if (how < 0.45) {
      const res = await client.request({ path });
      await res.body.arrayBuffer();
      return `reply ${res.statusCode}`;
    }
    const res = await client.fetch(path);
    if (how < 0.9) await res.arrayBuffer();
    else await res.body?.cancel();
    return `reply ${res.status}`;
  } catch (error) {
    if (!isTypedError(error)) return `UNTYPED ${String(error)}`;
    const label = (e: unknown): string => {
      const { code, kind } = e as { code?: string; kind?: string };
      return `${code ?? (e as Error).name}${kind ? ` ${kind}` : ''}`;
    };
    const cause = (error as Error).cause;
    return `error ${label(error)}${cause ? ` (${label(cause)})` : ''}`;
  }
}

async function run(client: Client, calls: number, seed: number): Promise<Map<string, number>> {
  const rng = seededRng(seed);
  const outcomes = new Map<string, number>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls) {
      next++;
      const outcome = await oneCall(client, rng);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return outcomes;
}

const options = (urls: string[]) =>
  ({ service: 'svc', endpoints: urls, retry: { retries: 1 }, timeout: { attempt: 250, total: 1_000 } }) as const;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

it(`${CALLS} calls at concurrency ${CONCURRENCY} under mixed faults all settle, raise nothing uncaught and leave nothing behind`, { timeout: 300_000 }, async () => {
  // Warm up (JIT, undici's lazy state) with a client of its own, then take the heap baseline.
  const warm = createClient(options(fleet.urls));
  await run(warm, 1_000, 7);
  await warm.close();
  const baseline = heapAfterGc();

  const uncaught = watchUncaught();
  const resources = watchResources();
  const client = createClient(options(fleet.urls));
  const started = performance.now();
  const outcomes = await run(client, CALLS, 1);
  const seconds = (performance.now() - started) / 1_000;
  await client.close();
  const leftovers = await resources.settled(10_000);
  // Let a late uncaught exception (from a socket closing after close()) surface before looking.
  await new Promise((resolve) => setImmediate(resolve));
  uncaught.stop();
  const heapGrowth = heapAfterGc() - baseline;

  const total = [...outcomes.values()].reduce((a, b) => a + b, 0);
  console.info(`soak: ${JSON.stringify(Object.fromEntries([...outcomes].sort((a, b) => b[1] - a[1])))}; heap growth ${(heapGrowth / 2 ** 20).toFixed(1)} MiB; ${seconds.toFixed(1)} s`);
  expect(total).toBe(CALLS);
  expect([...outcomes.keys()].filter((k) => k.startsWith('UNTYPED'))).toEqual([]);
  // Not a soak of errors alone (a loaded machine times out more attempts, hence the margin).
  expect(outcomes.get('reply 200')).toBeGreaterThan(CALLS / 5);
  expect(uncaught.seen).toEqual([]);
  expect(leftovers).toEqual([]);
  // 20 000 calls of retained state would be far more than this (a kilobyte each is 20 MB).
  expect(heapGrowth).toBeLessThan(8 * 2 ** 20);
});

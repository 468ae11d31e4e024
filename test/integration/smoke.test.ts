import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient } from '../../src/index.js';
import { startLoopbackFleet, type LoopbackFleet } from '../support/loopback.js';

let fleet: LoopbackFleet;
beforeAll(async () => {
  fleet = await startLoopbackFleet(3);
});
afterAll(() => fleet.stop());

it('smoke', async () => {
  const client = createClient({ service: 'svc', endpoints: fleet.urls });
  const servers: string[] = [];
  for (let i = 0; i < 6; i++) {
    const res = await client.fetch('/echo');
    servers.push(res.headers.get('x-server')!);
    await res.json();
  }
  expect(servers).toEqual(['0', '1', '2', '0', '1', '2']);
  await client.close();
});

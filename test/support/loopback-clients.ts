import { afterAll, afterEach, beforeAll } from 'vitest';
import { createClient, type Client, type ClientOptions } from '../../src/index.js';
import { startLoopbackFleet, type LoopbackFleet } from './loopback.js';

/** What {@link useLoopbackClients} gives a test file. */
export interface LoopbackClients {
  /** The file's loopback servers (started before its first test). */
  readonly fleet: LoopbackFleet;
  /** A client, closed after the test that made it (and the servers' modes and stats reset). */
  client(options: ClientOptions): Client;
}

/**
 * For a test file: `count` loopback servers (of `script`, default loopback-server.ts) started before its tests and stopped after them, and
 * clients that are closed at the end of each test.
 */
export function useLoopbackClients(count: number, script?: string): LoopbackClients {
  let fleet: LoopbackFleet | undefined;
  const open: Client[] = [];
  beforeAll(async () => {
    fleet = await startLoopbackFleet(count, script);
  });
  afterAll(() => fleet?.stop());
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    await fleet?.reset();
  });
  return {
    get fleet() {
      if (!fleet) throw new Error('the loopback fleet starts in beforeAll: use it inside a test');
      return fleet;
    },
    client(options) {
      const client = createClient(options);
      open.push(client);
      return client;
    },
  };
}

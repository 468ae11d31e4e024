import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);

// Runs against the built package (`npm test` builds first), as a user's copy of it would.
it('the quickstart example calls its fleet round-robin and exits by itself', async () => {
  const tsx = createRequire(import.meta.url).resolve('tsx/cli');
  const example = fileURLToPath(new URL('../examples/quickstart.ts', import.meta.url));
  const { stdout } = await run(process.execPath, [tsx, example], { timeout: 20_000 });
  expect(stdout).toContain('200 /v1/items/1 served by alpha');
  expect(stdout).toContain('200 /v1/items/2 served by bravo');
  expect(stdout).toContain('200 /v1/items/3 served by charlie');
  expect(stdout).toContain('200 /v1/items/4 served by alpha');
  expect(stdout).toContain('request(): 200 {"backend":"bravo","path":"/v1/health"}');
});

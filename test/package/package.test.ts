import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };

const run = promisify(execFile);
const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const root = here('../../');

// `npm test` builds first; these tests check what `npm run build` emitted.
describe('the built package', () => {
  it('emits ESM, CJS and declarations at the paths the exports map names', () => {
    const entry = pkg.exports['.'];
    for (const file of [entry.import.default, entry.import.types, entry.require.default, entry.require.types]) {
      expect(existsSync(`${root}/${file}`), file).toBe(true);
    }
  });

  it('emits every provider subpath (switchyard/file, /dns, /etcd, /consul, /kubernetes) at the paths the exports map names', () => {
    for (const name of ['./file', './dns', './etcd', './consul', './kubernetes'] as const) {
      const entry = pkg.exports[name];
      for (const file of [entry.import.default, entry.import.types, entry.require.default, entry.require.types]) {
        expect(existsSync(`${root}/${file}`), file).toBe(true);
      }
    }
  });

  it('loads the provider subpaths and their optional peers from CJS and ESM, sharing the core classes', async () => {
    for (const [file, format] of [['./subpaths.cjs', 'cjs'], ['./subpaths.mjs', 'esm']] as const) {
      const { stdout } = await run(process.execPath, [here(file)]);
      expect(stdout.trim()).toBe(`${format} function function function function true true`);
    }
  });

  it('keeps two runtime dependencies; provider clients are optional peers', () => {
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['p-retry', 'undici']);
    for (const peer of ['dns-packet', 'etcd3', 'consul', '@kubernetes/client-node']) expect(pkg.peerDependenciesMeta[peer as keyof typeof pkg.peerDependenciesMeta]).toEqual({ optional: true });
  });

  it('can be imported from an .mjs file', async () => {
    const { stdout } = await run(process.execPath, [here('./consumer.mjs')]);
    expect(stdout.trim()).toBe(`esm ${pkg.version} ConfigError endpoints function`);
  });

  it('can be required from a .cjs file', async () => {
    const { stdout } = await run(process.execPath, [here('./consumer.cjs')]);
    expect(stdout.trim()).toBe(`cjs ${pkg.version} ConfigError endpoints function`);
  });

  it('subpaths can be required from CommonJS: they load their client on use (the ESM-only Kubernetes one included) and share the main entry\'s classes', async () => {
    const { stdout } = await run(process.execPath, [here('./consumer-subpaths.cjs')]);
    expect(stdout.trim()).toBe('cjs kubernetes http://10.0.0.1:8080 consul http://10.0.1.1:9090 shared-classes true');
  });

  it('has declarations a strict TypeScript consumer compiles against', async () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', here('./tsconfig.json')]).catch((e: { stdout: string }) => e);
    expect('stdout' in result ? result.stdout : '').toBe('');
  }, 180_000);
});

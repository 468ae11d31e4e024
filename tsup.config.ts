import { defineConfig } from 'tsup';

export default defineConfig({
  // The core and one entry per subpath export; each provider's client library is an optional peer, external.
  entry: { index: 'src/index.ts', file: 'src/file.ts', dns: 'src/dns.ts', etcd: 'src/etcd.ts', consul: 'src/consul.ts', kubernetes: 'src/kubernetes.ts', redis: 'src/redis.ts' },
  // Shared chunks in both formats, so a subpath's classes are the core's own (instanceof holds across entries).
  splitting: true,
  // Rollup renders the chunks: its CJS output keeps `import()`, so CJS users can load the ESM-only
  // @kubernetes/client-node (tsup's own CJS splitting would turn `import()` into `require()`).
  treeshake: true,
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
  platform: 'node',
});

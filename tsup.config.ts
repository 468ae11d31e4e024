import { defineConfig } from 'tsup';

export default defineConfig({
  // The main entry and one per optional-peer subpath (switchyard/consul, ...), named as the exports map names them.
  entry: ['src/index.ts', 'src/consul.ts', 'src/kubernetes.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
  target: 'node22',
  platform: 'node',
});

import { defineConfig } from 'tsup';

export default defineConfig({
  // runtime-check: the `@kubecache/core/runtime-check` entry point, which imports nothing (a
  // binary loads it before anything that loads @kubernetes/client-node).
  entry: { index: 'src/index.ts', 'runtime-check': 'src/runtime-check.ts' },
  format: ['esm', 'cjs'],
  // TypeScript 6 deprecates the baseUrl tsup injects into its declaration build.
  dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
});

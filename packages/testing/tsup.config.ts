import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    // TypeScript 6 deprecates the baseUrl tsup injects into its declaration build.
    dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
    sourcemap: true,
    // Keep the bin entry's files (bin.js and its bin-main chunk): the two builds run concurrently.
    clean: ['!bin.*', '!bin-main-*'],
    target: 'node20',
    platform: 'node',
  },
  {
    // The `kubecache-test-apiserver` command (ESM only, no declarations).
    entry: { bin: 'src/bin.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    platform: 'node',
  },
]);

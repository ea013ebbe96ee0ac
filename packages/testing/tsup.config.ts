import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    // TypeScript 6 deprecates the baseUrl tsup injects into its declaration build.
    dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
    sourcemap: true,
    // Keep the bin entries' files (bin.js, bin-main.js): the two builds run concurrently.
    clean: ['!bin.*', '!bin-main.*'],
    target: 'node20',
    platform: 'node',
  },
  {
    // The `kubecache-test-apiserver` command (ESM only, no declarations): bin.js checks the
    // runtime, then imports bin-main.js (an entry too, so its name has no hash: nothing stale
    // survives the clean above).
    entry: { bin: 'src/bin.ts', 'bin-main': 'src/bin-main.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    platform: 'node',
  },
]);

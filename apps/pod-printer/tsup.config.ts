import { defineConfig } from 'tsup';

export default defineConfig({
  // entry.ts checks the Node version (@kubecache/core/runtime-check) before it imports main.ts.
  entry: { main: 'src/entry.ts' },
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node22',
  platform: 'node',
  banner: { js: '#!/usr/bin/env node' },
});

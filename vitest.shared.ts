import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Shared vitest settings. Tests resolve `@kubecache/<pkg>` to that package's TypeScript source,
 * so a change in a lower layer is tested by the layers above without a build step.
 */
export default defineConfig({
  resolve: {
    alias: [{ find: /^@kubecache\/([a-z-]+)$/, replacement: `${root}packages/$1/src/index.ts` }],
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});

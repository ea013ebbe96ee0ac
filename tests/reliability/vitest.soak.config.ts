import { defineConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// Not merged with the shared `include` (mergeConfig would concatenate it): only the soak tests run.
export default defineConfig({
  ...(shared.resolve ? { resolve: shared.resolve } : {}),
  test: {
    include: ['src/**/*.soak.test.ts'],
    testTimeout: 3_600_000,
    pool: 'forks',
    execArgv: ['--expose-gc', '--max-old-space-size=8192'],
  },
});

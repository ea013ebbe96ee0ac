import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      include: ['src/**/*.soak.test.ts'],
      testTimeout: 3_600_000,
      pool: 'forks',
      execArgv: ['--expose-gc', '--max-old-space-size=8192'],
    },
  }),
);

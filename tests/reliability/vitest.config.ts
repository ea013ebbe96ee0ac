import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      testTimeout: 600_000,
      hookTimeout: 60_000,
      exclude: ['src/**/*.soak.test.ts'],
      pool: 'forks',
      execArgv: ['--expose-gc'],
    },
  }),
);

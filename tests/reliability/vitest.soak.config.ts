import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

const config = mergeConfig(
  shared,
  defineConfig({
    test: {
      testTimeout: 3_600_000,
      pool: 'forks',
      execArgv: ['--expose-gc', '--max-old-space-size=8192'],
    },
  }),
);
// mergeConfig concatenates `include`: replace it so only the soak tests run.
config.test = { ...config.test, include: ['src/**/*.soak.test.ts'] };
export default config;

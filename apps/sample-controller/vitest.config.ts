import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

export default mergeConfig(
  shared,
  defineConfig({ test: { testTimeout: 60_000, globalSetup: ['./vitest.global-setup.ts'] } }),
);

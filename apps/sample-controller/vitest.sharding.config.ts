// `npm run test:sharding`: the multi-process sharding test (src/*.multiprocess.e2e.ts), apart
// from `npm test` because it runs for minutes (3,000 Foos across up to five processes).
import { defineConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

export default defineConfig({
  ...shared,
  test: {
    ...shared.test,
    include: ['src/**/*.multiprocess.e2e.ts'],
    testTimeout: 600_000,
    globalSetup: ['./vitest.global-setup.ts'],
  },
});

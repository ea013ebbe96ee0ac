import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// Only the cluster target; run through run-cluster.mjs, which explains what to do without KUBECONFIG.
export default mergeConfig(
  shared,
  defineConfig({
    test: { include: ['src/cluster.conformance.ts'], testTimeout: 240_000, hookTimeout: 60_000 },
  }),
);

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
      // client-go's WatchList consistency detector, as its CI runs it: after each WatchList sync
      // the Reflector LISTs at the synced RV and reports any difference (model.test.ts fails on it).
      env: { KUBE_WATCHLIST_INCONSISTENCY_DETECTOR: 'true' },
    },
  }),
);

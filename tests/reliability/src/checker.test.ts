// The invariant checker must be able to fail: a lost event (hidden from watchers, never repaired)
// is reported, and the repair (a 410 forcing a relist) clears it.
import { describe, expect, it } from 'vitest';
import { makeConfigMap } from '@kubecache/testing';
import { applyStep, checkConverged, settle, startWorld } from './harness.js';

describe('the invariant checker', () => {
  it('reports a lost event and clears once a relist repaired it', async () => {
    const w = await startWorld();
    try {
      await applyStep(w, { kind: 'create', name: 1 });
      expect(await settle(() => checkConverged(w), 5000)).toEqual([]);
      w.server.faults.hideEventsFromWatchers(true);
      w.server.create('configmaps', makeConfigMap({ namespace: 'ns', name: 'lost' }));
      w.server.faults.hideEventsFromWatchers(false);
      await new Promise((r) => setTimeout(r, 300));
      const violations = checkConverged(w);
      expect(violations.some((v) => v.includes('cache keys'))).toBe(true);
      expect(violations.some((v) => v.includes('last notifications say'))).toBe(true);
      w.server.compact();
      w.server.faults.expireWatches();
      expect(await settle(() => checkConverged(w), 5000)).toEqual([]);
    } finally {
      await w.stop();
    }
  });
});

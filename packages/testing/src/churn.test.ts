import { describe, expect, it } from 'vitest';
import { makePod } from './fixtures.js';
import { startChurn } from './churn.js';
import { startApiServer } from './server.js';

describe('startChurn', () => {
  it('creates, updates (phases, restarts) and deletes pods at about the target rate until aborted', async () => {
    const server = await startApiServer();
    try {
      for (let i = 0; i < 20; i++)
        server.create('pods', makePod({ namespace: 'default', name: `p${i}`, index: i }));
      const ops: string[] = [];
      const ac = new AbortController();
      const running = startChurn(server, {
        ratePerSecond: 200,
        signal: ac.signal,
        onOperation: (op) => ops.push(op),
      });
      await new Promise((r) => setTimeout(r, 500));
      ac.abort();
      const stats = await running;
      expect(stats.creates + stats.updates + stats.deletes).toBe(ops.length);
      expect(ops.length).toBeGreaterThan(40);
      expect(stats.updates).toBeGreaterThan(0);
      expect(stats.creates + stats.deletes).toBeGreaterThan(0);
      const restarted = server
        .list('pods')
        .items.some(
          (p) =>
            ((p as { status?: { containerStatuses?: { restartCount?: number }[] } }).status
              ?.containerStatuses?.[0]?.restartCount ?? 0) > 0,
        );
      expect(restarted).toBe(true);
    } finally {
      await server.close();
    }
  });
});

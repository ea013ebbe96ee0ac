import { describe, expect, it } from 'vitest';
import { makePod } from './fixtures.js';
import { startChurn } from './churn.js';
import { startApiServer } from './server.js';

const restarts = (p: unknown): number =>
  (p as { status?: { containerStatuses?: { restartCount?: number }[] } }).status
    ?.containerStatuses?.[0]?.restartCount ?? 0;

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
      expect(server.list('pods').items.some((p) => restarts(p) > 0)).toBe(true);
      // The pod count stays near the target (20, ±10% plus the operations of one tick).
      const n = server.list('pods').items.length;
      expect(n).toBeGreaterThanOrEqual(15);
      expect(n).toBeLessThanOrEqual(25);
    } finally {
      await server.close();
    }
  });

  it('creates pods in the given namespace and forgets pods someone else deleted', async () => {
    const server = await startApiServer();
    try {
      for (let i = 0; i < 10; i++)
        server.create('pods', makePod({ namespace: 'x', name: `p${i}`, index: i }));
      const ac = new AbortController();
      const created: string[] = [];
      const running = startChurn(server, {
        ratePerSecond: 500,
        signal: ac.signal,
        namespace: 'churned',
        targetPods: 10,
        onOperation: (op, obj) => {
          if (op === 'create') created.push(obj.metadata?.namespace ?? '');
        },
      });
      // Delete every pod behind the generator's back: it must carry on, not fail on 404s.
      for (const p of server.list('pods').items)
        server.delete('pods', p.metadata?.namespace, p.metadata?.name ?? '');
      await new Promise((r) => setTimeout(r, 200));
      ac.abort();
      const stats = await running;
      expect(stats.creates).toBeGreaterThan(0);
      expect(new Set(created)).toEqual(new Set(['churned']));
      expect(server.list('pods').items.length).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  it('rejects a non-positive rate and stops with the error when onOperation throws', async () => {
    const server = await startApiServer();
    try {
      const ac = new AbortController();
      await expect(startChurn(server, { ratePerSecond: 0, signal: ac.signal })).rejects.toThrow(
        RangeError,
      );
      const failing = startChurn(server, {
        ratePerSecond: 1000,
        signal: ac.signal,
        onOperation: () => {
          throw new Error('handler bug');
        },
      });
      await expect(failing).rejects.toThrow('handler bug');
      ac.abort();
    } finally {
      await server.close();
    }
  });

  it('resolves at once with zero operations when the signal is already aborted', async () => {
    const server = await startApiServer();
    try {
      const stats = await startChurn(server, {
        ratePerSecond: 100,
        signal: AbortSignal.abort(),
      });
      expect(stats).toEqual({ creates: 0, updates: 0, deletes: 0 });
    } finally {
      await server.close();
    }
  });
});

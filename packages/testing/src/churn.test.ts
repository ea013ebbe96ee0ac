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

interface PodLike {
  metadata?: {
    name?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { ready?: boolean; state?: Record<string, unknown> }[];
  };
}

describe('startChurn realism and targets', () => {
  it('moves pods like a kubelet: Pending → Running → Succeeded/Failed, never back, with readiness consistent with the phase', async () => {
    const server = await startApiServer();
    try {
      const phases = new Map<string, string[]>();
      const problems: string[] = [];
      const ac = new AbortController();
      const running = startChurn(server, {
        ratePerSecond: 1000,
        signal: ac.signal,
        targetPods: 30,
        seed: 7,
        onOperation: (op, obj) => {
          if (op === 'delete') return;
          const p = obj as PodLike;
          const name = p.metadata?.name ?? '';
          const phase = p.status?.phase ?? '';
          const seq = phases.get(name) ?? [];
          seq.push(phase);
          phases.set(name, seq);
          const statuses = p.status?.containerStatuses ?? [];
          const ready = statuses.filter((c) => c.ready).length;
          const readyCondition = p.status?.conditions?.find((c) => c.type === 'Ready')?.status;
          if (phase !== 'Running' && ready > 0)
            problems.push(`${name}: ${phase} with ${ready} ready containers`);
          if (phase === 'Running' && ready !== statuses.length)
            problems.push(`${name}: Running with ${ready}/${statuses.length} ready`);
          if ((readyCondition === 'True') !== (statuses.length > 0 && ready === statuses.length))
            problems.push(
              `${name}: Ready=${readyCondition} with ${ready}/${statuses.length} ready`,
            );
          if (
            (phase === 'Succeeded' || phase === 'Failed') &&
            statuses.some((c) => !c.state?.terminated)
          )
            problems.push(`${name}: ${phase} with a container not terminated`);
        },
      });
      await new Promise((r) => setTimeout(r, 400));
      ac.abort();
      await running;
      expect(problems).toEqual([]);
      const order = ['Pending', 'Running', 'Succeeded'];
      let transitions = 0;
      for (const [name, seq] of phases) {
        for (let i = 1; i < seq.length; i++) {
          const [a, b] = [seq[i - 1]!, seq[i]!];
          if (a !== b) transitions++;
          const ia = a === 'Failed' ? 2 : order.indexOf(a);
          const ib = b === 'Failed' ? 2 : order.indexOf(b);
          expect(ib, `${name}: ${seq.join(' → ')}`).toBeGreaterThanOrEqual(ia);
          if (a === 'Succeeded' || a === 'Failed') expect(b, `${name}: ${seq.join(' → ')}`).toBe(a);
        }
      }
      expect(transitions).toBeGreaterThan(10);
    } finally {
      await server.close();
    }
  });

  it('churns any resource and labels what it creates', async () => {
    const server = await startApiServer();
    try {
      const ac = new AbortController();
      const running = startChurn(server, {
        resource: 'configmaps',
        labels: { churn: 'yes' },
        ratePerSecond: 500,
        signal: ac.signal,
        targetPods: 10,
      });
      await new Promise((r) => setTimeout(r, 200));
      ac.abort();
      const stats = await running;
      expect(server.list('pods').items).toEqual([]);
      const cms = server.list('configmaps').items as PodLike[];
      expect(cms.length).toBeGreaterThan(0);
      expect(cms.every((c) => c.metadata?.labels?.churn === 'yes')).toBe(true);
      expect(stats.updates).toBeGreaterThan(0);
      expect(cms.some((c) => c.metadata?.annotations?.['kubecache.dev/churn'] !== undefined)).toBe(
        true,
      );
    } finally {
      await server.close();
    }
  });
});

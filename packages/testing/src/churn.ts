// A churn generator: creates, updates (phase changes, restarts) and deletes pods at a target rate
// against an in-process API server, until aborted. Used by the demo, benchmarks and soak tests.
import type { KubeObject } from '@kubecache/core';
import { makePod } from './fixtures.js';
import type { ApiServer } from './server.js';

/** Options of {@link startChurn}. */
export interface ChurnOptions {
  /** Operations per second. */
  ratePerSecond: number;
  /** Stops the churn. */
  signal: AbortSignal;
  /** Namespaces to use. Default: `['default']`. */
  namespaces?: string[];
  /** Keeps the pod count near this number (creates below it, deletes above). Default: current count, at least 10. */
  targetPods?: number;
  /** Random seed (deterministic operation sequence). Default 1. */
  seed?: number;
  /** Called after each operation. */
  onOperation?: (op: 'create' | 'update' | 'delete', obj: KubeObject) => void;
}

/** Statistics of a churn run. */
export interface ChurnStats {
  creates: number;
  updates: number;
  deletes: number;
}

/** Starts churning; resolves with the statistics once `signal` aborts. */
export function startChurn(server: ApiServer, options: ChurnOptions): Promise<ChurnStats> {
  const stats: ChurnStats = { creates: 0, updates: 0, deletes: 0 };
  const namespaces = options.namespaces ?? ['default'];
  let seed = options.seed ?? 1;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const target = options.targetPods ?? Math.max(10, server.list('pods').items.length);
  let next = 0;
  const step = (): void => {
    const pods = server.list('pods').items;
    const r = rand();
    if (
      pods.length < target * 0.9 ||
      (r < 0.3 && pods.length < target * 1.1) ||
      pods.length === 0
    ) {
      const ns = namespaces[Math.floor(rand() * namespaces.length)] ?? 'default';
      const name = `churn-${Date.now().toString(36)}-${(next++).toString(36)}`;
      const obj = server.create(
        'pods',
        makePod({ namespace: ns, name, index: next, phase: 'Pending' }),
      );
      stats.creates++;
      options.onOperation?.('create', obj);
      return;
    }
    const victim = pods[Math.floor(rand() * pods.length)]!;
    const ns = victim.metadata?.namespace;
    const name = victim.metadata?.name ?? '';
    if (r < 0.3) {
      // A container restart: bump restartCount in the status.
      const statuses = (
        (victim as { status?: { containerStatuses?: { restartCount?: number }[] } }).status
          ?.containerStatuses ?? []
      ).map((c, i) => (i === 0 ? { ...c, restartCount: (c.restartCount ?? 0) + 1 } : c));
      const obj = server.patch('pods', ns, name, { status: { containerStatuses: statuses } });
      stats.updates++;
      options.onOperation?.('update', obj);
      return;
    }
    if (r < 0.8 || pods.length < target * 0.9) {
      const phases = ['Pending', 'Running', 'Running', 'Running', 'Succeeded', 'Failed'];
      const obj = server.patch('pods', ns, name, {
        status: { phase: phases[Math.floor(rand() * phases.length)] },
      });
      stats.updates++;
      options.onOperation?.('update', obj);
    } else {
      const obj = server.delete('pods', ns, name);
      stats.deletes++;
      options.onOperation?.('delete', obj);
    }
  };
  return new Promise((resolve) => {
    const start = Date.now();
    let done = 0;
    const timer = setInterval(() => {
      const due = Math.floor(((Date.now() - start) / 1000) * options.ratePerSecond);
      try {
        while (done < due) {
          step();
          done++;
        }
      } catch {
        // The server may be down (fault injection): skip this tick.
        done = due;
      }
    }, 10);
    const stop = (): void => {
      clearInterval(timer);
      resolve(stats);
    };
    if (options.signal.aborted) stop();
    else options.signal.addEventListener('abort', stop, { once: true });
  });
}

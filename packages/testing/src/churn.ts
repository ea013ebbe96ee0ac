// A churn generator: creates, updates (phase changes, container restarts) and deletes pods at a
// target rate against an in-process API server, until aborted. Used by the demo, the benchmarks
// and the soak tests. No client-go counterpart (clusterloader2 plays this part upstream).
import type { KubeObject } from '@kubecache/core';
import { makePod } from './fixtures.js';
import type { ApiServer } from './server.js';
import { isServerApiError } from './status.js';

/** Options of {@link startChurn}. */
export interface ChurnOptions {
  /** Operations per second (creates + updates + deletes). Must be > 0. */
  ratePerSecond: number;
  /** Stops the churn. */
  signal: AbortSignal;
  /** One namespace for created pods (shorthand for `namespaces: [namespace]`). */
  namespace?: string;
  /** Namespaces for created pods, picked at random. Default: `['default']`. */
  namespaces?: string[];
  /** Keeps the pod count near this number (creates below it, deletes above). Default: the pod count at start, at least 10. */
  targetPods?: number;
  /** Random seed (a deterministic operation sequence). Default 1. */
  seed?: number;
  /** Called after each operation with the stored object (for deletes: its final state). */
  onOperation?: (op: 'create' | 'update' | 'delete', obj: KubeObject) => void;
}

/** Statistics of a churn run. */
export interface ChurnStats {
  creates: number;
  updates: number;
  deletes: number;
}

interface PodRef {
  namespace: string | undefined;
  name: string;
}

/**
 * Starts churning pods; resolves with the statistics once `signal` aborts. Each operation costs
 * O(1) besides the server write: the generator tracks the pods it may touch itself (those present
 * at start plus those it creates) and forgets a pod that someone else deleted (404).
 * The programmatic writes keep working while the server is `down()` (only HTTP is refused). An
 * unexpected error (or a throwing `onOperation`) stops the churn and rejects the promise.
 */
export function startChurn(server: ApiServer, options: ChurnOptions): Promise<ChurnStats> {
  if (!(options.ratePerSecond > 0) || !Number.isFinite(options.ratePerSecond)) {
    return Promise.reject(
      new RangeError(`ratePerSecond must be a positive number, got ${options.ratePerSecond}`),
    );
  }
  const stats: ChurnStats = { creates: 0, updates: 0, deletes: 0 };
  const namespaces =
    options.namespaces ?? (options.namespace !== undefined ? [options.namespace] : ['default']);
  if (namespaces.length === 0) {
    return Promise.reject(new RangeError('namespaces must not be empty'));
  }
  let seed = options.seed ?? 1;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  // The pods churn may touch, with O(1) swap-remove.
  const pods: PodRef[] = server
    .list('pods')
    .items.map((p) => ({ namespace: p.metadata?.namespace, name: p.metadata?.name ?? '' }));
  const forget = (i: number): void => {
    pods[i] = pods[pods.length - 1]!;
    pods.pop();
  };
  const target = options.targetPods ?? Math.max(10, pods.length);
  const runId = Date.now().toString(36);
  let next = 0;

  const create = (): void => {
    const ns = namespaces[Math.floor(rand() * namespaces.length)] ?? 'default';
    const name = `churn-${runId}-${(next++).toString(36)}`;
    const obj = server.create(
      'pods',
      makePod({ namespace: ns, name, index: next, phase: 'Pending' }),
    );
    pods.push({ namespace: ns, name });
    stats.creates++;
    options.onOperation?.('create', obj);
  };

  const step = (): void => {
    const r = rand();
    if (
      pods.length < target * 0.9 ||
      (r < 0.3 && pods.length < target * 1.1) ||
      pods.length === 0
    ) {
      create();
      return;
    }
    const vi = Math.floor(rand() * pods.length);
    const victim = pods[vi]!;
    try {
      if (r < 0.3) {
        // A container restart: bump restartCount of the first container.
        const current = server.get('pods', victim.namespace, victim.name);
        if (current === undefined) {
          forget(vi);
          return;
        }
        const statuses = (
          (current as { status?: { containerStatuses?: { restartCount?: number }[] } }).status
            ?.containerStatuses ?? []
        ).map((c, i) => (i === 0 ? { ...c, restartCount: (c.restartCount ?? 0) + 1 } : c));
        const obj = server.patch('pods', victim.namespace, victim.name, {
          status: { containerStatuses: statuses },
        });
        stats.updates++;
        options.onOperation?.('update', obj);
      } else if (r < 0.8 || pods.length < target * 0.9) {
        const phases = ['Pending', 'Running', 'Running', 'Running', 'Succeeded', 'Failed'];
        const obj = server.patch('pods', victim.namespace, victim.name, {
          status: { phase: phases[Math.floor(rand() * phases.length)] },
        });
        stats.updates++;
        options.onOperation?.('update', obj);
      } else {
        const obj = server.delete('pods', victim.namespace, victim.name);
        forget(vi);
        stats.deletes++;
        options.onOperation?.('delete', obj);
      }
    } catch (err) {
      // Deleted by someone else: forget it and move on.
      if (isServerApiError(err) && err.code === 404) forget(vi);
      else throw err;
    }
  };

  return new Promise((resolve, reject) => {
    const start = Date.now();
    let done = 0;
    const finish = (err?: unknown): void => {
      clearInterval(timer);
      options.signal.removeEventListener('abort', onAbort);
      if (err === undefined) resolve(stats);
      else reject(err instanceof Error ? err : new Error('churn failed', { cause: err }));
    };
    const onAbort = (): void => finish();
    const timer = setInterval(() => {
      const due = Math.floor(((Date.now() - start) / 1000) * options.ratePerSecond);
      try {
        while (done < due) {
          step();
          done++;
        }
      } catch (err) {
        // An unexpected server error or a throwing onOperation stops the churn visibly.
        finish(err);
      }
    }, 10);
    if (options.signal.aborted) finish();
    else options.signal.addEventListener('abort', onAbort, { once: true });
  });
}

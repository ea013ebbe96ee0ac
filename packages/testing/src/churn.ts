// A churn generator: creates, updates and deletes objects of one resource at a target rate
// against an in-process API server, until aborted. For pods the updates are what a kubelet
// reports, through the status subresource: Pending → Running → Succeeded or Failed (never back),
// container restarts of running pods, container readiness and conditions consistent with the
// phase. Used by the demo, the benchmarks and the soak tests. No client-go counterpart
// (clusterloader2 plays this part upstream).
import type { KubeObject } from '@kubecache/core';
import { makeConfigMap, makePod, podStatusAfterRestart, podStatusForPhase } from './fixtures.js';
import { resourceIdOf, type ResourceRef } from './resources.js';
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
  /** Keeps the object count near this number (creates below it, deletes above). Default: the count at start, at least 10. */
  targetPods?: number;
  /**
   * The resource to churn: an id (`pods`, `configmaps`, `widgets.example.com`, …) or a definition
   * (`podsResource`, a `defineResource` CRD). Default: `pods`.
   */
  resource?: ResourceRef;
  /** Labels set on every object churn creates (e.g. to tell them apart with a selector). Default: none. */
  labels?: Record<string, string>;
  /**
   * Builds an object to create. Default: {@link makePod} (Pending) for pods, {@link makeConfigMap}
   * for config maps, `{ metadata: { name, namespace } }` otherwise.
   */
  makeObject?: (o: { namespace: string; name: string; index: number }) => KubeObject;
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
  const resource = resourceIdOf(options.resource ?? 'pods');
  const isPods = resource === 'pods';
  const makeObject =
    options.makeObject ??
    ((o: { namespace: string; name: string; index: number }): KubeObject =>
      isPods
        ? makePod({ ...o, phase: 'Pending' })
        : resource === 'configmaps'
          ? makeConfigMap(o)
          : { metadata: { name: o.name, namespace: o.namespace } });
  // The objects churn may touch, with O(1) swap-remove.
  const pods: PodRef[] = server
    .list(resource)
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
    const built = makeObject({ namespace: ns, name, index: next });
    const input: KubeObject =
      options.labels === undefined
        ? built
        : {
            ...built,
            metadata: {
              ...built.metadata,
              labels: { ...built.metadata?.labels, ...options.labels },
            },
          };
    const obj = server.create(resource, input, { namespace: ns });
    pods.push({ namespace: obj.metadata?.namespace, name });
    stats.creates++;
    options.onOperation?.('create', obj);
  };

  const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

  /** What a kubelet would report next for this pod, or undefined for a finished pod. */
  const nextPodStatus = (pod: KubeObject, r: number): Record<string, unknown> | undefined => {
    const phase = (pod as { status?: { phase?: string } }).status?.phase ?? 'Pending';
    if (phase === 'Pending') return podStatusForPhase(pod, 'Running', now());
    if (phase === 'Running') {
      if (r < 0.6) return podStatusAfterRestart(pod, now());
      return podStatusForPhase(pod, r < 0.8 ? 'Succeeded' : 'Failed', now());
    }
    return undefined; // Succeeded and Failed are final
  };

  const update = (vi: number, victim: PodRef, r: number): void => {
    const current = server.get(resource, victim.namespace, victim.name);
    if (current === undefined) {
      forget(vi);
      return;
    }
    let obj: KubeObject;
    if (isPods) {
      const status = nextPodStatus(current, r);
      if (status === undefined) {
        remove(vi, victim); // a finished pod is cleaned up rather than resurrected
        return;
      }
      obj = server.patch(
        resource,
        victim.namespace,
        victim.name,
        { status },
        { subresource: 'status' },
      );
    } else {
      obj = server.patch(resource, victim.namespace, victim.name, {
        metadata: { annotations: { 'kubecache.dev/churn': String(stats.updates + 1) } },
      });
    }
    stats.updates++;
    options.onOperation?.('update', obj);
  };

  const remove = (vi: number, victim: PodRef): void => {
    const obj = server.delete(resource, victim.namespace, victim.name);
    forget(vi);
    stats.deletes++;
    options.onOperation?.('delete', obj);
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
      if (r < 0.8 || pods.length < target * 0.9) update(vi, victim, rand());
      else remove(vi, victim);
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

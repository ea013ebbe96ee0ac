// The controller, built like client-go's examples/workqueue: a pod informer whose handlers only
// enqueue keys; workers take keys from a rate-limited workqueue and print what changed.
import type { KubeConfig } from '@kubernetes/client-node';
import { toError, type KubeObject } from '@kubecache/core';
import {
  createSharedInformerFactory,
  stripManagedFields,
  waitForCacheSync,
  type SharedIndexInformer,
} from '@kubecache/informer';
import { isApiStatusError, isConnectionRefused } from '@kubecache/listwatch';
import { deletionHandlingMetaNamespaceKeyFunc, isDeletedFinalStateUnknown } from '@kubecache/store';
import { createRateLimitingQueue, type RateLimitingQueue } from '@kubecache/workqueue';
import type { PrinterOptions } from './cli.js';
import { describeChange } from './change.js';
import { InitialSync } from './initial-sync.js';
import type { PrinterMetrics } from './metrics.js';
import type { ChangeEvent, Renderer } from './render.js';

/** What happened to a key since a worker last looked at it. */
interface Pending {
  type: ChangeEvent['type'];
  old: KubeObject | undefined;
}

/** One line for an error from the API, as the user should read it. */
export function describeError(err: Error): string {
  if (isConnectionRefused(err)) return `API server unreachable (${err.message}); retrying`;
  if (isApiStatusError(err)) {
    if (err.code === 403)
      return `forbidden: ${err.message} (check RBAC: list and watch pods); retrying`;
    if (err.code === 404) return `not found: ${err.message}; retrying`;
    if (err.code === 401) return `unauthorized: ${err.message}; retrying`;
    return `API error ${err.code} ${err.reason}: ${err.message}`;
  }
  return `${err.name}: ${err.message}`;
}

/** Runs the printer until `signal` aborts; resolves once workers drained and everything stopped. */
export async function runPrinter(
  kc: KubeConfig,
  options: PrinterOptions,
  renderer: Renderer,
  metrics: PrinterMetrics | undefined,
  signal: AbortSignal,
): Promise<void> {
  const factory = createSharedInformerFactory(kc, {
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    ...(options.selector !== undefined ? { labelSelector: options.selector } : {}),
    ...(options.fieldSelector !== undefined ? { fieldSelector: options.fieldSelector } : {}),
    resyncPeriodMs: options.resyncMs,
    transform: stripManagedFields,
  });
  const informer: SharedIndexInformer = factory.pods();
  const lastError = new Map<string, number>();
  informer.setWatchErrorHandler((_r, err) => {
    metrics?.reflectorError();
    const line = describeError(err);
    const now = Date.now();
    if ((lastError.get(line) ?? 0) + 10_000 > now) return; // one line per distinct error per 10 s
    lastError.set(line, now);
    renderer.error(line);
  });
  const queue: RateLimitingQueue<string> = createRateLimitingQueue<string>(
    undefined,
    metrics ? { metrics: metrics.workqueue } : {},
  );
  const pending = new Map<string, Pending>();
  const enqueue = (key: string, type: Pending['type'], old: KubeObject | undefined): void => {
    const prev = pending.get(key);
    // Keep the oldest "old" so a burst of updates is described from where the worker last saw it.
    pending.set(key, {
      type: prev?.type === 'ADDED' && type === 'MODIFIED' ? 'ADDED' : type,
      old: prev ? prev.old : old,
    });
    queue.add(key);
  };
  const initial = new InitialSync();
  const registration = informer.addEventHandler({
    onAdd: (pod, isInInitialList) => {
      metrics?.informerEvent('add');
      const key = deletionHandlingMetaNamespaceKeyFunc(pod);
      enqueue(key, 'ADDED', undefined);
      initial.added(key, isInInitialList);
    },
    onUpdate: (oldPod, newPod) => {
      if (
        oldPod.metadata?.resourceVersion === newPod.metadata?.resourceVersion &&
        options.resyncMs === 0
      )
        return;
      metrics?.informerEvent('update');
      enqueue(deletionHandlingMetaNamespaceKeyFunc(newPod), 'MODIFIED', oldPod);
    },
    onDelete: (pod) => {
      metrics?.informerEvent('delete');
      enqueue(
        deletionHandlingMetaNamespaceKeyFunc(pod),
        'DELETED',
        isDeletedFinalStateUnknown(pod) ? pod.obj : pod,
      );
    },
  });

  const lister = informer.getLister();
  const store = informer.getStore();
  const process = (key: string): void => {
    const p = pending.get(key);
    pending.delete(key);
    const [ns, name] = key.includes('/') ? key.split('/') : ['', key];
    const pod = lister.get(ns ?? '', name ?? key);
    if (pod === undefined) {
      renderer.event({ type: 'DELETED', key, pod: p?.old, change: '' });
      return;
    }
    const type = p?.type === 'DELETED' ? 'ADDED' : (p?.type ?? 'MODIFIED'); // deleted and re-created
    renderer.event({
      type,
      key,
      pod,
      change: type === 'MODIFIED' ? describeChange(p?.old, pod) : '',
    });
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      const r = await queue.get();
      if (r.shutdown) return;
      try {
        process(r.item);
        queue.forget(r.item);
      } catch (err) {
        renderer.error(`processing ${r.item}: ${toError(err).message}`);
        queue.addRateLimited(r.item);
      } finally {
        queue.done(r.item);
        initial.handled(r.item);
      }
    }
  };

  const ac = new AbortController();
  const onAbort = (): void => ac.abort();
  if (signal.aborted) ac.abort();
  else signal.addEventListener('abort', onAbort, { once: true });
  factory.start(ac.signal);
  const workers = Array.from({ length: options.workers }, () => worker());
  const tick = setInterval(() => {
    renderer.progress(initial.isDone(), store.listKeys().length);
    renderer.snapshot(store.list());
    metrics?.cacheSize(store.listKeys().length);
  }, 200);
  void waitForCacheSync(ac.signal, registration).then((ok) => {
    if (ok) initial.handlerHasSynced();
  });
  void initial.done.then(() => {
    if (ac.signal.aborted) return;
    renderer.progress(true, store.listKeys().length);
    renderer.snapshot(store.list());
    renderer.keys(store.listKeys().sort());
  });
  const keysTimer = setInterval(() => {
    if (initial.isDone()) renderer.keys(store.listKeys().sort());
  }, options.intervalMs);
  await new Promise<void>((resolve) => {
    if (ac.signal.aborted) resolve();
    else ac.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  clearInterval(tick);
  clearInterval(keysTimer);
  signal.removeEventListener('abort', onAbort);
  await Promise.all([factory.shutdown(), queue.shutDownWithDrain()]);
  await Promise.all(workers);
}

// The controller, built like client-go's examples/workqueue: a pod informer whose handlers only
// enqueue keys; workers take keys from a rate-limited workqueue and print what changed. The
// informer runs for the whole life of the process; the workers run while `lead` lets them (always,
// or only during a leader-election term), so a standby replica keeps a warm cache and a queue of
// what changed, and prints it the moment it takes over.
import type { KubeConfig } from '@kubernetes/client-node';
import {
  isAbortError,
  silentLogger,
  toError,
  type HealthCheck,
  type KubeObject,
  type MetricsProvider,
} from '@kubecache/core';
import {
  createSharedInformerFactory,
  informerHealthCheck,
  stripManagedFields,
  waitForCacheSync,
} from '@kubecache/informer';
import { deletionHandlingMetaNamespaceKeyFunc, isDeletedFinalStateUnknown } from '@kubecache/store';
import { createRateLimitingQueue, type RateLimitingQueue } from '@kubecache/workqueue';
import type { PrinterOptions } from './cli.js';
import { describeChange } from './change.js';
import { GaveUpError, describeError, permanentCause } from './failure.js';
import { InitialSync } from './initial-sync.js';
import type { ChangeEvent, Renderer } from './render.js';

/**
 * Runs the workers until `signal` aborts and resolves once they stopped: the printer's `lead`
 * hook receives this (leader election calls it once per term).
 */
export type RunWorkers = (signal: AbortSignal) => Promise<void>;

/** Decides when the workers run; resolves when `signal` aborts and the workers have stopped. */
export type Lead = (runWorkers: RunWorkers, signal: AbortSignal) => Promise<void>;

/** Without leader election: the workers run from start to shutdown. */
export const alwaysLead: Lead = (runWorkers, signal) => runWorkers(signal);

/** What the printer needs besides the cluster and the options. */
export interface PrinterDeps {
  renderer: Renderer;
  /** Metrics of the workqueue (name `pods`). Default: none. */
  metricsProvider?: MetricsProvider;
  /** When the workers run. Default {@link alwaysLead}. */
  lead?: Lead;
}

/** A pod printer; {@link Printer.run} runs it. */
export interface Printer {
  /**
   * Readiness (`/readyz`): the informer's `informerHealthCheck`, named `informer-sync` — fails
   * until the cache holds the first list, and while the informer is failing or stopped.
   */
  readonly readiness: HealthCheck;
  /**
   * Runs until `signal` aborts; resolves once the informer, the queue and the workers stopped.
   * Rejects with a {@link GaveUpError} (after stopping everything) when the API refuses the list
   * or watch in a way retrying cannot fix.
   */
  run(signal: AbortSignal): Promise<void>;
}

/** What happened to a key since a worker last looked at it. */
interface Pending {
  type: ChangeEvent['type'];
  old: KubeObject | undefined;
}

/**
 * Creates the printer: the pod informer (scoped by the options), its handler that enqueues keys,
 * and the rate-limited queue. Nothing runs before {@link Printer.run}.
 */
export function createPrinter(kc: KubeConfig, options: PrinterOptions, deps: PrinterDeps): Printer {
  const { renderer } = deps;
  const lead = deps.lead ?? alwaysLead;
  const factory = createSharedInformerFactory(kc, {
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    ...(options.selector !== undefined ? { labelSelector: options.selector } : {}),
    ...(options.fieldSelector !== undefined ? { fieldSelector: options.fieldSelector } : {}),
    resyncPeriodMs: options.resyncMs,
    transform: stripManagedFields,
    // Every failure the informer meets reaches the watch error handler below, which prints it
    // (one line per distinct error per 10 s) or ends the process; the library's own stderr
    // lines would say the same thing twice.
    logger: silentLogger,
    // Reflector and informer metrics (reflector_lists_total{name="pods.v1"}, …) beside the queue's.
    ...(deps.metricsProvider ? { metricsProvider: deps.metricsProvider } : {}),
    // Give up on errors retrying cannot fix (400, 401, 403, 404, 422) instead of retrying them:
    // the informer stops and the watch error handler below ends the printer with exit code 2.
    onPermanentError: 'stop',
  });
  const informer = factory.pods();
  const ac = new AbortController();
  let gaveUp: GaveUpError | undefined;
  const printedAt = new Map<string, number>();
  informer.setWatchErrorHandler((_r, err) => {
    const permanent = permanentCause(err);
    if (permanent) {
      // kubectl fails at once here; retrying an unchanged request the server refused only hides
      // the problem. Stop everything; run() rejects once it is all released.
      gaveUp ??= new GaveUpError(permanent);
      ac.abort();
      return;
    }
    const line = describeError(err);
    const now = Date.now();
    if ((printedAt.get(line) ?? 0) + 10_000 > now) return; // one line per distinct error per 10 s
    printedAt.set(line, now);
    renderer.error(line);
  });
  const queue: RateLimitingQueue<string> = createRateLimitingQueue<string>(
    undefined,
    deps.metricsProvider
      ? { name: 'pods', metricsProvider: deps.metricsProvider }
      : { name: 'pods' },
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
      enqueue(deletionHandlingMetaNamespaceKeyFunc(newPod), 'MODIFIED', oldPod);
    },
    onDelete: (pod) => {
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

  /** One worker: until the queue shuts down or `term` aborts (then nothing is lost: keys stay queued). */
  const worker = async (term: AbortSignal): Promise<void> => {
    for (;;) {
      let r;
      try {
        r = await queue.get(term);
      } catch (err) {
        if (isAbortError(err) || term.aborted) return;
        throw err;
      }
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
  const runWorkers: RunWorkers = async (term) => {
    await Promise.all(Array.from({ length: options.workers }, () => worker(term)));
  };

  const run = async (signal: AbortSignal): Promise<void> => {
    const onAbort = (): void => ac.abort();
    if (signal.aborted) ac.abort();
    else signal.addEventListener('abort', onAbort, { once: true });
    factory.start(ac.signal);
    const leading = lead(runWorkers, ac.signal);
    const tick = setInterval(() => {
      renderer.progress(initial.isDone(), store.listKeys().length);
      renderer.snapshot(store.list());
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
    // The workers of a term stop on the abort; then the queue is shut down for good.
    await Promise.all([factory.shutdown(), leading]);
    await queue.shutDownWithDrain();
    if (gaveUp) throw gaveUp;
  };

  return {
    readiness: informerHealthCheck(informer, { name: 'informer-sync' }),
    run,
  };
}

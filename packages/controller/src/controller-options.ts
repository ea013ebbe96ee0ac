// The options of `createController`: the primary resource and its sources, the worker, queue,
// timeout and resync settings, their defaults, and the checks `createController` makes before it
// builds anything (controller-runtime's `controller.Options` and `TypedOptions.DefaultFromConfig`,
// kube-rs's `controller::Config`).
import type { KubeObject, Logger, MetricsProvider, Clock } from '@kubecache/core';
import type { SharedIndexInformer } from '@kubecache/informer';
import type { LeaderElectorOptions } from '@kubecache/leaderelection';
import type { KubeConfigLike } from '@kubecache/listwatch';
import type { TypedRateLimiter } from '@kubecache/workqueue';
import { ControllerOptionsError } from './errors.js';
import type { Predicate } from './predicates.js';
import type { ReadYourWritesOptions } from './read-your-writes.js';
import { validateSharding, type ControllerSharding } from './sharding.js';
import type { OwnsSource, WatchSource } from './sources.js';
import type { ErrorPolicy, Reconciler } from './workers.js';

/**
 * The primary's type: its `apiVersion` (the group is what `owns` matches), its `kind`, and
 * whether its objects live in namespaces (default: true). A `defineResource` definition is one.
 */
export interface PrimaryResource {
  /** Its `apiVersion`, e.g. `samplecontroller.k8s.io/v1alpha1`. */
  readonly apiVersion: string;
  /** Its kind, e.g. `Foo`. */
  readonly kind: string;
  /** Whether its objects live in namespaces. Default: true. */
  readonly namespaced?: boolean;
}

/**
 * The primary resource: the one whose objects are reconciled. Its type is given either as
 * `resource` — a `defineResource` definition (`{ informer: foos, resource: Foo }`) — or inline
 * (`{ informer: foos, apiVersion: 'samplecontroller.k8s.io/v1alpha1', kind: 'Foo' }`).
 */
export type PrimarySource<T extends KubeObject> = {
  /** Its informer; reconciles read it through `informer.getLister()`. */
  readonly informer: SharedIndexInformer<T>;
  /** Filters the primary's own events. Default: none (every event enqueues). */
  readonly predicates?: readonly Predicate<T>[];
} & (
  | {
      /** Its definition (`defineResource`): apiVersion, kind and scope stated once. */
      readonly resource: PrimaryResource;
    }
  | PrimaryResource
);

/** The apiVersion, kind and scope of a {@link PrimarySource}, wherever they were given. */
export function primaryResourceOf(
  source: { readonly resource: PrimaryResource } | PrimaryResource,
): PrimaryResource {
  return 'resource' in source ? source.resource : source;
}

/** Leader election for the controller's workers (see `@kubecache/leaderelection`). */
export type ControllerLeaderElection = Omit<
  LeaderElectorOptions,
  'onStartedLeading' | 'onStoppedLeading' | 'clock' | 'logger'
> & {
  /** Called when this replica's term starts (`true`) or ends (`false`). */
  readonly onLeadingChange?: (leading: boolean) => void;
};

/** Options of {@link createController}. */
export interface ControllerOptions<T extends KubeObject> {
  /**
   * The controller's name: the `controller` label of its metrics, the `name` of its workqueue
   * metrics, and the `controller` field of its logs. Required, non-empty.
   */
  name: string;
  /** The primary resource. */
  for: PrimarySource<T>;
  /**
   * Child resources the primary owns: an event of a child enqueues its controller owner, when
   * that owner is of the primary's group and kind. An informer, or `{ informer, predicates }`.
   */
  owns?: readonly (SharedIndexInformer | OwnsSource)[];
  /** Other resources, each with a mapping to primary requests (see `watchSource`). */
  watches?: readonly WatchSource[];
  /** The reconciler. */
  reconcile: Reconciler;
  /** How failed reconciles are retried. Default: always `'rateLimited'`. */
  errorPolicy?: ErrorPolicy;
  /** Workers, i.e. reconciles of distinct keys at the same time. Default: 1. */
  concurrency?: number;
  /**
   * The queue's rate limiter. Default: the workqueue's `defaultControllerRateLimiter()` (per key
   * 5 ms doubling to 1000 s; 10 qps, burst 100 overall), on `clock`.
   */
  rateLimiter?: TypedRateLimiter<string>;
  /**
   * Run the workers only while this replica leads (caches stay warm on every replica). Default:
   * no election, the workers run as soon as the caches synced.
   */
  leaderElection?: ControllerLeaderElection;
  /**
   * Run as one shard of a ring (see `ControllerSharding` and the README's "Sharding"): hold a
   * shard Lease while the workers run, campaign for the ring's sharder, reconcile only the
   * primaries labelled for this shard, and hand drained ones back. Needs `kubeConfig` and the
   * primary as `for.resource`; cannot be combined with `leaderElection`. Default: not sharded.
   */
  sharding?: ControllerSharding;
  /**
   * How long shutdown waits for reconciles in flight, in ms, after the `run` signal aborted; then
   * their signal aborts and `run` resolves without them. Default: 30 000 (controller-runtime's
   * graceful shutdown timeout).
   */
  shutdownTimeoutMs?: number;
  /**
   * How long `run` waits for the informers to sync, in ms (real time), before it gives up and
   * rejects with a `CacheSyncTimeoutError` (`isCacheSyncTimeoutError` from
   * `@kubecache/informer`) naming every informer not synced with its last error — a resource
   * the server does not serve (404), missing RBAC (403), an unreachable server. `Infinity` waits
   * for ever. Default: 120 000 (controller-runtime's `CacheSyncTimeout`).
   */
  cacheSyncTimeoutMs?: number;
  /**
   * Metrics: controller-runtime's `controller_runtime_*` series and the workqueue's
   * `workqueue_*` series (name = the controller's name). Default: none.
   */
  metricsProvider?: MetricsProvider;
  /**
   * Logger (pino or anything pino-shaped). The controller wraps it once with core's
   * `createRateLimitedLogger` — the first line of a cause is passed on, its repeats within 30 s
   * become one summary line naming their keys — and hands that to its queue, its informer
   * handlers, its elector and each reconcile (`context.logger`); it is flushed when `run` ends.
   * Default: kubecache's default logger (warnings and errors to stderr, rate-limited).
   */
  logger?: Logger;
  /** Clock of the queue delays, the rate limiter, the shutdown deadline and the elector. Default: real. */
  clock?: Clock;
  /** Called when a reconcile of `key` starts and ends: for instrumentation. Default: none. */
  onReconcile?: (key: string, phase: 'start' | 'end') => void;
  /**
   * After this many ms a reconcile's `signal` aborts with a `ReconcileTimeoutError`
   * (controller-runtime's `ReconciliationTimeout`, which has no default). `Infinity` never.
   * Default: 300 000 (5 min): a reconcile that waits longer should return `{ requeueAfterMs }`.
   */
  reconcileTimeoutMs?: number;
  /**
   * How long a reconcile may go on after its `signal` aborted (timeout or leadership lost)
   * before the controller declares itself wedged: `run` rejects with a `ControllerFailedError`
   * (reason `'wedged'`). `Infinity` never. Default: 60 000 — with the default timeout, a
   * reconcile that ignores its signal fails the controller 6 min after it started.
   */
  stuckReconcileMs?: number;
  /**
   * Every primary object in the cache is enqueued again every `syncPeriodMs` (± 10 % jitter)
   * while the workers run, so that a change no event reported — an object deleted and recreated
   * between two watches, a child a user deleted behind a relist — is still reconciled
   * (controller-runtime's `SyncPeriod`, 10 h; client-go's sample-controller resyncs every 30 s).
   * Cost: one queue add per primary per period. `0` or `Infinity` disables it. Default: 600 000
   * (10 min).
   */
  syncPeriodMs?: number;
  /**
   * The queue: `true` for `@kubecache/workqueue`'s priority queue (controller-runtime's default
   * since v0.23), `false` for the FIFO rate-limiting queue (client-go's). With the priority
   * queue, requests of the informers' initial lists, of updates that changed nothing (same
   * `resourceVersion`: resyncs) and of the controller's own resyncs (`syncPeriodMs`, a new
   * leadership term) enter at `lowPriority` (-100); a fresh change enters at 0 and is
   * reconciled first; a requeue or retry keeps the priority its request had (or the result's
   * `priority`). Default: true.
   */
  priorityQueue?: boolean;
  /**
   * kube-rs's `debounce`: a request is handed to the queue only once no new event for its key
   * arrived for this many ms, so that a burst of changes to one object becomes one reconcile
   * (at the cost of that delay for every change). Requeues and retries are not delayed.
   * `0` turns it off. Default: 0.
   */
  debounceMs?: number;
  /**
   * The cluster the controller writes to: the controller then has a client on it
   * (`controller.client`, and `context.client` in each reconcile; see `createClient`) whose
   * writes later reconciles read back (`readYourWrites`). Default: none — `context.client`
   * rejects every call with a `ControllerOptionsError`.
   */
  kubeConfig?: KubeConfigLike;
  /** The field manager of the client's writes. Default: the client's (`createClient`). */
  fieldManager?: string;
  /**
   * Read your own writes: a reconcile of a key starts only once the informers have seen every
   * write made through the controller's client to that primary object and to the `owns` and
   * `watches` resources (compared by resourceVersion); when they have not within `timeoutMs`
   * (default 10 000), the key is requeued through the rate limiter with a warning. Writes to
   * resources none of the controller's informers serve are not waited for. `false` turns it
   * off. Default: on.
   */
  readYourWrites?: false | ReadYourWritesOptions;
}

/** Default of `cacheSyncTimeoutMs`: controller-runtime's `CacheSyncTimeout`, 2 minutes. */
export const defaultCacheSyncTimeoutMs = 120_000;

/** Default of `reconcileTimeoutMs`: 5 minutes. */
export const defaultReconcileTimeoutMs = 300_000;

/** Default of `stuckReconcileMs`: 1 minute. */
export const defaultStuckReconcileMs = 60_000;

/** Default of `syncPeriodMs`: 10 minutes (± 10 % jitter). */
export const defaultSyncPeriodMs = 600_000;

/**
 * Checks the options `createController` cannot work with, before anything is built.
 *
 * @throws ControllerOptionsError for an empty `name`, a missing `reconcile` or `for.informer`, a
 *   primary without apiVersion or kind, `concurrency` not an integer ≥ 1, `shutdownTimeoutMs`
 *   not a number ≥ 0, `reconcileTimeoutMs` or `stuckReconcileMs` not a number > 0,
 *   `debounceMs` or `syncPeriodMs` not a number ≥ 0, `cacheSyncTimeoutMs` not a number > 0, or
 *   `sharding` options `validateSharding` refuses.
 */
export function validateControllerOptions<T extends KubeObject>(o: ControllerOptions<T>): void {
  if (typeof o.name !== 'string' || o.name === '') {
    throw new ControllerOptionsError('name', 'a controller needs a non-empty name');
  }
  if (typeof o.reconcile !== 'function') {
    throw new ControllerOptionsError('reconcile', 'a reconcile function is required');
  }
  if (typeof o.for !== 'object' || typeof o.for.informer !== 'object') {
    throw new ControllerOptionsError('for', 'the primary resource needs an informer');
  }
  const type = primaryResourceOf(o.for);
  if (
    typeof type !== 'object' ||
    typeof type.kind !== 'string' ||
    typeof type.apiVersion !== 'string' ||
    type.kind === '' ||
    type.apiVersion === ''
  ) {
    throw new ControllerOptionsError('for', 'the primary resource needs its apiVersion and kind');
  }
  const c = o.concurrency ?? 1;
  if (!Number.isInteger(c) || c < 1) {
    throw new ControllerOptionsError('concurrency', `expected an integer ≥ 1, got ${c}`);
  }
  const t = o.shutdownTimeoutMs ?? 0;
  if (!Number.isFinite(t) || t < 0) {
    throw new ControllerOptionsError('shutdownTimeoutMs', `expected a number ≥ 0, got ${t}`);
  }
  for (const [option, value] of [
    ['reconcileTimeoutMs', o.reconcileTimeoutMs],
    ['stuckReconcileMs', o.stuckReconcileMs],
  ] as const) {
    if (value !== undefined && (typeof value !== 'number' || Number.isNaN(value) || value <= 0)) {
      throw new ControllerOptionsError(
        option,
        `expected a number > 0 (ms) or Infinity, got ${String(value)}`,
      );
    }
  }
  const d = o.debounceMs ?? 0;
  if (typeof d !== 'number' || Number.isNaN(d) || d < 0) {
    throw new ControllerOptionsError(
      'debounceMs',
      `expected a number ≥ 0 (ms), 0 to disable, got ${String(d)}`,
    );
  }
  const p = o.syncPeriodMs ?? defaultSyncPeriodMs;
  if (typeof p !== 'number' || Number.isNaN(p) || p < 0) {
    throw new ControllerOptionsError(
      'syncPeriodMs',
      `expected a number ≥ 0 (ms), 0 or Infinity to disable, got ${String(p)}`,
    );
  }
  if (o.sharding !== undefined) {
    validateSharding({
      sharding: o.sharding,
      leaderElection: o.leaderElection,
      kubeConfig: o.kubeConfig,
      primary: primaryResourceOf(o.for),
    });
  }
  const s = o.cacheSyncTimeoutMs ?? defaultCacheSyncTimeoutMs;
  if (typeof s !== 'number' || Number.isNaN(s) || s <= 0) {
    throw new ControllerOptionsError('cacheSyncTimeoutMs', `expected a number > 0, got ${s}`);
  }
}

// A controller for one primary resource, on kubecache's informers and workqueue: kube-rs
// kube-runtime `Controller` (owns/watches, reconcile + error_policy) with the worker model and
// metrics of controller-runtime's `Controller` (pkg/internal/controller/controller.go), and
// client-go's sample-controller shape (informers → rate-limited queue → workers).
import {
  defaultLogger,
  noMetricsProvider,
  realClock,
  type Clock,
  type KubeObject,
  type Logger,
  type MetricsProvider,
} from '@kubecache/core';
import {
  isCacheSyncTimeoutError,
  waitForCacheSync,
  waitForCacheSyncOrThrow,
  type ResourceEventHandlerRegistration,
  type SharedIndexInformer,
} from '@kubecache/informer';
import { createLeaderElector, type LeaderElectorOptions } from '@kubecache/leaderelection';
import {
  createRateLimitingQueue,
  type RateLimitingInterface,
  type TypedRateLimiter,
} from '@kubecache/workqueue';
import { ControllerOptionsError } from './errors.js';
import { createControllerMetrics } from './metrics.js';
import { groupOf } from './owner.js';
import type { Predicate } from './predicates.js';
import { requestFromKey, requestKey, type ReconcileRequest } from './request.js';
import {
  ownerMapper,
  selfMapper,
  sourceHandler,
  type OwnsSource,
  type WatchSource,
} from './sources.js';
import { WorkerPool, type ErrorPolicy, type Reconciler } from './workers.js';

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
function primaryResourceOf(
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
  /** Logger. Default: kubecache's default logger (warnings and errors to stderr, rate-limited). */
  logger?: Logger;
  /** Clock of the queue delays, the rate limiter, the shutdown deadline and the elector. Default: real. */
  clock?: Clock;
  /** Called when a reconcile of `key` starts and ends: for instrumentation. Default: none. */
  onReconcile?: (key: string, phase: 'start' | 'end') => void;
}

/**
 * A controller for one primary resource.
 *
 * Contract (the guarantees the README states):
 * - **Level-triggered.** Events only say *which* primary to look at; the reconcile reads the
 *   current state from the caches. Bursts of events for one key collapse into one reconcile.
 * - **At least once per change.** Every event that passes the predicates enqueues its requests;
 *   a request enqueued while its key is being reconciled is reconciled again afterwards; a
 *   reconcile that throws is retried per the error policy. Once the caches have synced, every
 *   primary object is reconciled at least once.
 * - **Per-key serialization.** Two reconciles of the same request never run at the same time,
 *   whatever `concurrency`; distinct keys run in parallel up to `concurrency`.
 * - **Start** runs the informers not already running, waits until every cache and every event
 *   handler has synced, then (after winning the election, if any) starts the workers. When the
 *   caches do not sync within `cacheSyncTimeoutMs`, or an informer gives up
 *   (`onPermanentError: 'stop'`), `run` stops what it started and rejects with the reason.
 * - **Shutdown** (abort the `run` signal): workers stop taking keys at once; reconciles in
 *   flight may finish until `shutdownTimeoutMs`, after which their signal aborts; then the
 *   informers the controller started stop, and `run` resolves.
 * - **Leadership loss** aborts the reconciles in flight at once and stops the workers; keys
 *   stay queued; a new term re-enqueues every primary object.
 */
export interface Controller {
  /** The controller's name. */
  readonly name: string;
  /**
   * Runs until `signal` aborts; resolves once the workers and the informers it started have
   * stopped (also when `signal` aborts before the caches synced: a warning names the informers
   * not synced).
   *
   * @throws CacheSyncTimeoutError (from `@kubecache/informer`) when the caches have not synced
   *   within `cacheSyncTimeoutMs`: its `pending` lists each informer not synced with its last
   *   error.
   * @throws PermanentFailureError (from `@kubecache/informer`) at once when an informer stopped
   *   on an error retrying cannot fix (`onPermanentError: 'stop'` on the informer or factory).
   * @throws Error when called twice.
   */
  run(signal: AbortSignal): Promise<void>;
  /** Enqueues a request by hand (as an event would). Ignored once shut down. */
  enqueue(request: ReconcileRequest): void;
  /** True once every cache and event handler has synced. */
  hasSynced(): boolean;
  /** True while the workers run (leading, or no election). */
  isLeading(): boolean;
  /** The controller's queue of `namespace/name` keys (for inspection). */
  readonly queue: RateLimitingInterface<string>;
}

/**
 * Creates a {@link Controller}.
 *
 * @throws ControllerOptionsError for an empty `name`, a missing `reconcile` or `for.informer`,
 *   `concurrency` not an integer ≥ 1, `shutdownTimeoutMs` not a number ≥ 0, or
 *   `cacheSyncTimeoutMs` not a number > 0.
 * @throws InvalidArgumentError (from the workqueue) and LeaderElectionConfigError (from the
 *   elector) for options they refuse.
 */
export function createController<T extends KubeObject>(options: ControllerOptions<T>): Controller {
  return new ControllerImpl<T>(options);
}

/** Default of `cacheSyncTimeoutMs`: controller-runtime's `CacheSyncTimeout`, 2 minutes. */
export const defaultCacheSyncTimeoutMs = 120_000;

class ControllerImpl<T extends KubeObject> implements Controller {
  readonly name: string;
  readonly queue: RateLimitingInterface<string>;
  private readonly o: ControllerOptions<T>;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly concurrency: number;
  private readonly shutdownTimeoutMs: number;
  private readonly cacheSyncTimeoutMs: number;
  private readonly pool: WorkerPool;
  private readonly registrations: ResourceEventHandlerRegistration[] = [];
  private started = false;
  private synced = false;
  private leading = false;

  constructor(options: ControllerOptions<T>) {
    validate(options);
    this.o = options;
    this.name = options.name;
    this.logger = options.logger ?? defaultLogger;
    this.clock = options.clock ?? realClock;
    this.concurrency = options.concurrency ?? 1;
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? 30_000;
    this.cacheSyncTimeoutMs = options.cacheSyncTimeoutMs ?? defaultCacheSyncTimeoutMs;
    const provider = options.metricsProvider;
    this.queue = createRateLimitingQueue<string>(options.rateLimiter, {
      name: options.name,
      clock: this.clock,
      ...(provider !== undefined && provider !== noMetricsProvider
        ? { metricsProvider: provider }
        : {}),
    });
    this.pool = new WorkerPool({
      name: options.name,
      queue: this.queue,
      reconcile: options.reconcile,
      errorPolicy: options.errorPolicy,
      concurrency: this.concurrency,
      metrics: createControllerMetrics(
        provider ?? noMetricsProvider,
        options.name,
        this.concurrency,
      ),
      logger: this.logger,
      clock: this.clock,
      onReconcile: options.onReconcile,
    });
  }

  enqueue(request: ReconcileRequest): void {
    this.queue.add(requestKey(request));
  }

  hasSynced(): boolean {
    return this.synced;
  }

  isLeading(): boolean {
    return this.leading;
  }

  async run(signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error(`controller ${this.name} is already running`);
    this.started = true;
    const informers = this.register();
    const stopInformers = new AbortController();
    const runs = informers.filter((i) => !i.isStarted()).map((i) => i.run(stopInformers.signal));
    try {
      if (signal.aborted) return;
      this.logger.info({ component: 'controller', controller: this.name }, 'waiting for caches');
      if (!(await this.waitForCaches(informers, signal))) return;
      this.synced = true;
      this.logger.info(
        { component: 'controller', controller: this.name, workers: this.concurrency },
        'caches synced; starting workers',
      );
      const election = this.o.leaderElection;
      if (election === undefined) {
        await this.term(new AbortController().signal, signal);
      } else {
        const { onLeadingChange, ...electorOptions } = election;
        const elector = createLeaderElector({
          ...electorOptions,
          clock: this.clock,
          logger: this.logger,
          onStartedLeading: (term) => {
            onLeadingChange?.(true);
            return this.term(term, signal);
          },
          onStoppedLeading: () => onLeadingChange?.(false),
        });
        await elector.run(signal);
      }
    } finally {
      this.queue.shutDown();
      for (const r of this.registrations) r.remove();
      this.registrations.length = 0;
      stopInformers.abort();
      // An informer that gave up rejects its run: that error is already `run`'s, or was logged.
      await Promise.allSettled(runs);
    }
  }

  /**
   * Waits for the informers, then for the controller's own handlers. Resolves false when
   * `signal` aborted first (logged with the informers not synced); rejects on a timeout or an
   * informer that gave up.
   */
  private async waitForCaches(
    informers: readonly SharedIndexInformer<unknown>[],
    signal: AbortSignal,
  ): Promise<boolean> {
    const timeoutMs = this.cacheSyncTimeoutMs;
    try {
      await waitForCacheSyncOrThrow(informers, {
        signal,
        ...(Number.isFinite(timeoutMs) ? { timeoutMs } : {}),
      });
    } catch (err) {
      if (!(isCacheSyncTimeoutError(err) && err.reason === 'aborted')) throw err;
      this.logger.warn(
        { component: 'controller', controller: this.name },
        `stopped before the caches synced: ${err.message}`,
      );
      return false;
    }
    // The controller's handlers are synchronous: they catch up as soon as their informer synced.
    return waitForCacheSync(signal, ...this.registrations);
  }

  /**
   * One term of workers: until `term` aborts (leadership lost: reconciles are aborted at once) or
   * `shutdown` aborts (graceful: reconciles get until the deadline).
   */
  private async term(term: AbortSignal, shutdown: AbortSignal): Promise<void> {
    if (shutdown.aborted || term.aborted) return;
    this.leading = true;
    // A new term starts from the whole cache: whatever happened while another replica led (or
    // before this one), every primary is looked at again.
    for (const key of this.o.for.informer.getStore().listKeys()) this.queue.add(key);
    const take = new AbortController();
    const stop = new AbortController();
    let deadline: { cancel(): void } | undefined;
    let deadlineHit: () => void = () => undefined;
    const deadlinePassed = new Promise<'deadline'>((resolve) => {
      deadlineHit = () => resolve('deadline');
    });
    const onShutdown = (): void => {
      take.abort(shutdown.reason);
      deadline = this.clock.setTimeout(() => {
        stop.abort(new Error(`controller ${this.name}: shutdown deadline passed`));
        deadlineHit();
      }, this.shutdownTimeoutMs);
    };
    const onTermEnd = (): void => {
      if (shutdown.aborted) return; // the graceful path owns this stop
      take.abort(term.reason);
      stop.abort(term.reason);
    };
    shutdown.addEventListener('abort', onShutdown, { once: true });
    term.addEventListener('abort', onTermEnd, { once: true });
    try {
      const workers = this.pool.run(take.signal, stop.signal);
      const first = await Promise.race([workers.then(() => 'drained' as const), deadlinePassed]);
      if (first === 'deadline') {
        this.logger.warn(
          {
            component: 'controller',
            controller: this.name,
            inFlight: this.pool.inFlight(),
            timeoutMs: this.shutdownTimeoutMs,
          },
          'shutdown deadline passed with reconciles in flight; leaving them',
        );
      }
    } finally {
      deadline?.cancel();
      shutdown.removeEventListener('abort', onShutdown);
      term.removeEventListener('abort', onTermEnd);
      this.leading = false;
    }
  }

  /** Adds the event handlers of every source; returns the distinct informers. */
  private register(): SharedIndexInformer<unknown>[] {
    const informers = new Set<SharedIndexInformer<unknown>>();
    const primary = this.o.for;
    const type = primaryResourceOf(primary);
    const enqueue = (r: ReconcileRequest): void => this.enqueue(r);
    const names = new Set<string>();
    // The handlers' names (the `handler` label of the informer metrics, and their log lines):
    // `controller-<name>-primary`, `controller-<name>-owns-<informer>`,
    // `controller-<name>-watches-<informer>`; a repeat gets `-2`, `-3`, …
    const unique = (role: string): string => {
      const base = `controller-${this.name}-${role}`;
      let name = base;
      for (let i = 2; names.has(name); i++) name = `${base}-${String(i)}`;
      names.add(name);
      return name;
    };
    const add = <S>(
      informer: SharedIndexInformer<S>,
      role: string,
      handler: Parameters<SharedIndexInformer<S>['addEventHandler']>[0],
    ): void => {
      informers.add(informer);
      this.registrations.push(informer.addEventHandler(handler, { name: unique(role) }));
    };
    add(
      primary.informer,
      'primary',
      sourceHandler<T>({
        map: selfMapper,
        predicates: primary.predicates ?? [],
        enqueue,
        logger: this.logger,
        source: `${type.kind} (primary)`,
        requestOfTombstoneKey: (key) => requestFromKey(key),
      }),
    );
    const toOwner = ownerMapper({
      group: groupOf(type.apiVersion),
      kind: type.kind,
      ownerNamespaced: type.namespaced ?? true,
    });
    for (const owned of this.o.owns ?? []) {
      const source: OwnsSource = 'informer' in owned ? owned : { informer: owned };
      add(
        source.informer,
        `owns-${source.informer.name}`,
        sourceHandler<KubeObject>({
          map: toOwner,
          predicates: source.predicates ?? [],
          enqueue,
          logger: this.logger,
          source: 'owned',
        }),
      );
    }
    for (const watched of this.o.watches ?? []) {
      add(
        watched.informer,
        `watches-${watched.informer.name}`,
        sourceHandler<unknown>({
          map: watched.map,
          predicates: watched.predicates ?? [],
          enqueue,
          logger: this.logger,
          source: 'watched',
        }),
      );
    }
    return [...informers];
  }
}

function validate<T extends KubeObject>(o: ControllerOptions<T>): void {
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
  const s = o.cacheSyncTimeoutMs ?? defaultCacheSyncTimeoutMs;
  if (typeof s !== 'number' || Number.isNaN(s) || s <= 0) {
    throw new ControllerOptionsError('cacheSyncTimeoutMs', `expected a number > 0, got ${s}`);
  }
}

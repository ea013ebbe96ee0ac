// A controller for one primary resource, on kubecache's informers and workqueue: kube-rs
// kube-runtime `Controller` (owns/watches, reconcile + error_policy) with the worker model and
// metrics of controller-runtime's `Controller` (pkg/internal/controller/controller.go), and
// client-go's sample-controller shape (informers → rate-limited queue → workers).
import {
  createRateLimitedLogger,
  defaultLogger,
  flushLogger,
  noMetricsProvider,
  realClock,
  type Clock,
  type HealthCheck,
  type KubeObject,
  type Logger,
  type MetricsProvider,
  type ResourceDef,
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
  createPriorityQueue,
  createRateLimitingQueue,
  isPriorityQueue,
  lowPriority,
  type RateLimitingInterface,
  type TypedRateLimiter,
} from '@kubecache/workqueue';
import { Debouncer } from './debounce.js';
import {
  ControllerFailedError,
  ControllerOptionsError,
  type ControllerFailureReason,
} from './errors.js';
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
import { attempt, errorOf, safeLog } from './safe.js';
import { WorkerPool, maxDelayMs, type ErrorPolicy, type Reconciler } from './workers.js';
import type { Client } from './client.js';
import type { KubeConfigLike } from '@kubecache/listwatch';
import {
  controllerClient,
  type ControllerClient,
  type ReadYourWritesOptions,
} from './read-your-writes.js';
import {
  createShardRunner,
  validateSharding,
  type ControllerSharding,
  type ShardRunner,
} from './sharding.js';

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

/** What {@link Controller.run} resolves with after a shutdown. */
export interface ControllerRunResult {
  /**
   * Reconciles still running when the shutdown deadline (`shutdownTimeoutMs`) passed: their
   * signal was aborted and they were left. 0 for a clean shutdown.
   */
  readonly abandonedReconciles: number;
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
 * - **Never half-alive.** When the controller cannot work any more — a worker died of an
 *   internal error, an informer stopped after the caches synced, a reconcile ran on
 *   `stuckReconcileMs` after its signal aborted, a shard lost its Lease — it stops its workers and the informers it
 *   started, ends its leadership term (its `onStartedLeading` rejects, so the elector stops
 *   renewing) and `run` rejects with a `ControllerFailedError`; `healthCheck()` fails from then on.
 * - **Resync.** Every primary is enqueued again every `syncPeriodMs` while the workers run.
 * - **Priorities** (`priorityQueue`, default on): the initial lists, unchanged updates and the
 *   controller's own full requeues enter at `lowPriority`; a fresh change at 0 is reconciled
 *   first; retries and requeues keep their request's priority.
 * - **Debounce** (`debounceMs`): an event's request is queued once its key has been quiet that long.
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
   * @throws ControllerFailedError (`isControllerFailedError`) when the controller cannot work any
   *   more after the caches synced: `reason` `'workers'`, `'informer'`, `'wedged'` or
   *   `'sharding'` (the shard Lease was lost, or the sharder failed), with the
   *   error behind it as `cause`. What it started is stopped first; with leader election the
   *   term ended.
   * @throws Error when called twice.
   * @returns after a shutdown, how many reconciles were left running at the deadline.
   */
  run(signal: AbortSignal): Promise<ControllerRunResult>;
  /**
   * A health check (core's `HealthCheck`, for `/healthz`) named `controller-<name>`: fails once
   * the controller failed (see `run`), with the failure's message as reason.
   */
  healthCheck(): HealthCheck;
  /**
   * Enqueues a request by hand (as a fresh event would: priority 0, through `debounceMs`).
   * Ignored once shut down.
   */
  enqueue(request: ReconcileRequest): void;
  /** True once every cache and event handler has synced. */
  hasSynced(): boolean;
  /** True while the workers run (leading, or no election). */
  isLeading(): boolean;
  /**
   * The controller's queue of `namespace/name` keys (for inspection): a `PriorityQueue`
   * (`isPriorityQueue` from `@kubecache/workqueue`) unless `priorityQueue: false`.
   */
  readonly queue: RateLimitingInterface<string>;
  /**
   * The controller's client (`kubeConfig` option), the same as each reconcile's
   * `context.client`: its writes are read back by later reconciles (`readYourWrites`).
   */
  readonly client: Client;
}

/**
 * Creates a {@link Controller}.
 *
 * @throws ControllerOptionsError for an empty `name`, a missing `reconcile` or `for.informer`,
 *   `concurrency` not an integer ≥ 1, `shutdownTimeoutMs` not a number ≥ 0,
 *   `cacheSyncTimeoutMs` not a number > 0, or `syncPeriodMs` or `debounceMs` not a number ≥ 0.
 * @throws InvalidArgumentError (from the workqueue) and LeaderElectionConfigError (from the
 *   elector) for options they refuse.
 */
export function createController<T extends KubeObject>(options: ControllerOptions<T>): Controller {
  return new ControllerImpl<T>(options);
}

/** Default of `cacheSyncTimeoutMs`: controller-runtime's `CacheSyncTimeout`, 2 minutes. */
export const defaultCacheSyncTimeoutMs = 120_000;

/** Default of `reconcileTimeoutMs`: 5 minutes. */
export const defaultReconcileTimeoutMs = 300_000;

/** Default of `stuckReconcileMs`: 1 minute. */
export const defaultStuckReconcileMs = 60_000;

/** Default of `syncPeriodMs`: 10 minutes (± 10 % jitter). */
export const defaultSyncPeriodMs = 600_000;

/** How often informers the controller did not start are checked for having stopped, in ms. */
const informerCheckMs = 1000;

class ControllerImpl<T extends KubeObject> implements Controller {
  readonly name: string;
  readonly queue: RateLimitingInterface<string>;
  private readonly o: ControllerOptions<T>;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly concurrency: number;
  private readonly shutdownTimeoutMs: number;
  private readonly cacheSyncTimeoutMs: number;
  private readonly stuckReconcileMs: number;
  private readonly syncPeriodMs: number;
  private readonly pool: WorkerPool;
  private readonly debouncer: Debouncer | undefined;
  private readonly registrations: ResourceEventHandlerRegistration[] = [];
  readonly client: Client;
  private readonly writes: ControllerClient;
  private readonly shard: ShardRunner | undefined;
  private started = false;
  private synced = false;
  private leading = false;
  /** Set once `run`'s signal aborted or `run` is stopping: failures are not reported any more. */
  private stopping = false;
  private failure: ControllerFailedError | undefined;
  /** Aborts (with the failure) when the controller failed. */
  private readonly failed = new AbortController();

  constructor(options: ControllerOptions<T>) {
    validate(options);
    this.o = options;
    this.name = options.name;
    // Wrapped once here; everything below gets this one (a second wrap would do nothing).
    this.logger = createRateLimitedLogger(options.logger ?? defaultLogger);
    this.clock = options.clock ?? realClock;
    this.concurrency = options.concurrency ?? 1;
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? 30_000;
    this.cacheSyncTimeoutMs = options.cacheSyncTimeoutMs ?? defaultCacheSyncTimeoutMs;
    this.stuckReconcileMs = options.stuckReconcileMs ?? defaultStuckReconcileMs;
    this.syncPeriodMs = options.syncPeriodMs ?? defaultSyncPeriodMs;
    const provider = options.metricsProvider;
    const queueOptions = {
      name: options.name,
      clock: this.clock,
      logger: this.logger,
      ...(provider !== undefined && provider !== noMetricsProvider
        ? { metricsProvider: provider }
        : {}),
    };
    this.queue =
      options.priorityQueue === false
        ? createRateLimitingQueue<string>(options.rateLimiter, queueOptions)
        : createPriorityQueue<string>({
            ...queueOptions,
            ...(options.rateLimiter !== undefined ? { rateLimiter: options.rateLimiter } : {}),
          });
    const debounceMs = options.debounceMs ?? 0;
    this.debouncer =
      debounceMs > 0
        ? new Debouncer({
            debounceMs: Math.min(debounceMs, maxDelayMs),
            clock: this.clock,
            add: (key, priority) => this.addToQueue(key, priority),
          })
        : undefined;
    this.writes = controllerClient({
      name: options.name,
      kubeConfig: options.kubeConfig,
      fieldManager: options.fieldManager,
      readYourWrites: options.readYourWrites,
      primary: options.for.informer,
      others: [
        ...(options.owns ?? []).map((o) => ('informer' in o ? o.informer : o)),
        ...(options.watches ?? []).map((w) => w.informer),
      ],
      logger: this.logger,
      clock: this.clock,
      enqueue: (key) => this.enqueueKey(key, undefined),
    });
    this.client = this.writes.client;
    const sharding = options.sharding;
    this.shard =
      sharding === undefined || options.kubeConfig === undefined
        ? undefined
        : createShardRunner({
            controller: options.name,
            sharding,
            kubeConfig: options.kubeConfig,
            resource: primaryResourceOf(options.for) as ResourceDef,
            primary: options.for.informer,
            owns: (options.owns ?? []).map((o) => ('informer' in o ? o.informer : o)),
            logger: this.logger,
            clock: this.clock,
            metricsProvider: provider,
          });
    const gate = this.shard?.gate;
    this.pool = new WorkerPool({
      ...(gate !== undefined ? { admit: (key: string) => gate.admit(key) } : {}),
      name: options.name,
      client: this.client,
      awaitWrites: this.writes.awaitWrites,
      runAs: this.writes.runAs,
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
      reconcileTimeoutMs: options.reconcileTimeoutMs ?? defaultReconcileTimeoutMs,
      stuckReconcileMs: this.stuckReconcileMs,
      onWedged: (key, runningMs) =>
        this.fail(
          'wedged',
          `reconcile of ${key} still running ${String(Math.round(runningMs))} ms after it started, ${String(this.stuckReconcileMs)} ms after its signal aborted`,
          undefined,
        ),
    });
  }

  enqueue(request: ReconcileRequest): void {
    this.enqueueKey(requestKey(request), undefined);
  }

  /** Enqueues `key` from an event: through the debounce, if any, at `priority` (default 0). */
  private enqueueKey(key: string, priority: number | undefined): void {
    if (this.debouncer !== undefined) this.debouncer.add(key, priority);
    else this.addToQueue(key, priority);
  }

  private addToQueue(key: string, priority: number | undefined): void {
    if (priority !== undefined && isPriorityQueue(this.queue)) {
      this.queue.addWithOptions(key, { priority });
    } else this.queue.add(key);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  isLeading(): boolean {
    return this.leading;
  }

  healthCheck(): HealthCheck {
    return {
      name: `controller-${this.name}`,
      check: () =>
        this.failure === undefined ? { ok: true } : { ok: false, reason: this.failure.message },
    };
  }

  /** Records the first failure (unless stopping), logs it and aborts `failed`. */
  private fail(reason: ControllerFailureReason, message: string, cause: unknown): void {
    if (this.failure !== undefined || this.stopping) return;
    const failure = new ControllerFailedError(
      this.name,
      reason,
      message,
      cause === undefined ? undefined : { cause },
    );
    this.failure = failure;
    safeLog(
      this.logger,
      'error',
      { component: 'controller', resource: this.name, err: failure },
      'cannot work any more; stopping',
    );
    this.failed.abort(failure);
  }

  async run(signal: AbortSignal): Promise<ControllerRunResult> {
    if (this.started) throw new Error(`controller ${this.name} is already running`);
    this.started = true;
    const onAbort = (): void => {
      this.stopping = true;
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const informers = this.register();
    if (this.shard !== undefined) this.registrations.push(this.shard.gate.register());
    const stopInformers = new AbortController();
    const runs = informers
      .filter((i) => !i.isStarted())
      .map((i) => ({ informer: i, done: i.run(stopInformers.signal) }));
    let supervision: { cancel(): void } | undefined;
    try {
      if (signal.aborted) return { abandonedReconciles: 0 };
      this.logger.info({ component: 'controller', controller: this.name }, 'waiting for caches');
      if (!(await this.waitForCaches(informers, signal))) return { abandonedReconciles: 0 };
      this.synced = true;
      supervision = this.superviseInformers(informers, runs);
      this.logger.info(
        { component: 'controller', controller: this.name, workers: this.concurrency },
        'caches synced; starting workers',
      );
      let abandoned = 0;
      const election = this.o.leaderElection;
      if (this.shard !== undefined) {
        abandoned = await this.shard.run({
          shutdown: signal,
          failed: this.failed.signal,
          term: (term) => this.term(term, signal),
          fail: (message, cause) => this.fail('sharding', message, cause),
        });
      } else if (election === undefined) {
        abandoned = await this.term(new AbortController().signal, signal);
      } else {
        abandoned = await this.elect(election, signal);
      }
      if (this.failure !== undefined) throw this.failure;
      return { abandonedReconciles: abandoned };
    } finally {
      this.stopping = true;
      signal.removeEventListener('abort', onAbort);
      supervision?.cancel();
      this.debouncer?.stop();
      this.queue.shutDown();
      for (const r of this.registrations) void r.remove(); // idle handlers: nothing to wait for
      this.registrations.length = 0;
      stopInformers.abort();
      // An informer that gave up rejects its run: that error is already `run`'s, or was logged.
      await Promise.allSettled(runs.map((r) => r.done));
      await this.shard?.gate.close();
      this.writes.close();
      flushLogger(this.logger); // a rate-limited logger prints what it still holds
    }
  }

  /**
   * Runs the workers in the terms of `election`. On a failure the term rejects (the elector ends
   * it and stops renewing); the elector's run is then stopped too, so this replica does not
   * campaign again. Resolves with the reconciles abandoned at shutdown.
   */
  private async elect(election: ControllerLeaderElection, signal: AbortSignal): Promise<number> {
    const { onLeadingChange, ...electorOptions } = election;
    const stopElector = new AbortController();
    const stop = (): void => stopElector.abort(signal.reason);
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    // A failure outside a term stops the elector at once; inside one, the term's rejection goes
    // first, so that the elector sees its work fail (and releases) before its run is stopped.
    const onFailed = (): void => {
      if (!this.leading) stopElector.abort(this.failure);
    };
    this.failed.signal.addEventListener('abort', onFailed, { once: true });
    let abandoned = 0;
    const elector = createLeaderElector({
      ...electorOptions,
      clock: this.clock,
      logger: this.logger,
      onStartedLeading: async (term) => {
        this.leadingChanged(onLeadingChange, true);
        try {
          abandoned = await this.term(term, signal);
        } catch (err) {
          setTimeout(() => stopElector.abort(this.failure), 0);
          throw err;
        }
      },
      onStoppedLeading: () => this.leadingChanged(onLeadingChange, false),
    });
    try {
      await elector.run(stopElector.signal);
    } catch (err) {
      if (this.failure === undefined) throw err;
    } finally {
      signal.removeEventListener('abort', stop);
      this.failed.signal.removeEventListener('abort', onFailed);
    }
    return abandoned;
  }

  /** Calls the user's `onLeadingChange`; what it throws is logged, never the term's failure. */
  private leadingChanged(hook: ((leading: boolean) => void) | undefined, leading: boolean): void {
    if (hook === undefined) return;
    const err = attempt(() => hook(leading));
    if (err !== undefined) {
      safeLog(
        this.logger,
        'error',
        { component: 'controller', resource: this.name, err },
        'onLeadingChange threw; ignored',
      );
    }
  }

  /**
   * Fails the controller with reason `'informer'` when an informer stops after the caches
   * synced: at once for those it started (their `run` settled), within a second for the others
   * (`isStopped()`).
   */
  private superviseInformers(
    informers: readonly SharedIndexInformer<unknown>[],
    runs: readonly { informer: SharedIndexInformer<unknown>; done: Promise<void> }[],
  ): { cancel(): void } {
    const stopped = (informer: SharedIndexInformer<unknown>, err: unknown): void => {
      const cause = err ?? informer.lastError();
      this.fail(
        'informer',
        `informer ${informer.name} stopped${cause === undefined ? '' : `: ${errorOf(cause).message}`}`,
        cause,
      );
    };
    for (const { informer, done } of runs) {
      done.then(
        () => stopped(informer, undefined),
        (err: unknown) => stopped(informer, err),
      );
    }
    const ours = new Set(runs.map((r) => r.informer));
    const others = informers.filter((i) => !ours.has(i));
    if (others.length === 0) return { cancel: () => undefined };
    let timer: { cancel(): void } | undefined;
    const check = (): void => {
      const gone = others.find((i) => i.isStopped());
      if (gone !== undefined) stopped(gone, undefined);
      else timer = this.clock.setTimeout(check, informerCheckMs);
    };
    timer = this.clock.setTimeout(check, informerCheckMs);
    return { cancel: () => timer?.cancel() };
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
   * Enqueues every primary in the cache, at `lowPriority` (controller-runtime's resyncs): a
   * fresh change still goes first.
   */
  private enqueueAll(): number {
    const keys = this.o.for.informer.getStore().listKeys();
    for (const key of keys) this.enqueueKey(key, lowPriority);
    return keys.length;
  }

  /** Every `syncPeriodMs` (± 10 %), enqueues every primary; until cancelled. */
  private resyncEvery(): { cancel(): void } {
    const period = this.syncPeriodMs;
    if (period === 0 || !Number.isFinite(period)) return { cancel: () => undefined };
    let timer: { cancel(): void } | undefined;
    const schedule = (): void => {
      const ms = Math.min(period * (0.9 + 0.2 * Math.random()), maxDelayMs);
      timer = this.clock.setTimeout(() => {
        const n = this.enqueueAll();
        this.logger.debug(
          { component: 'controller', controller: this.name, objects: n },
          'periodic resync: every primary enqueued',
        );
        schedule();
      }, ms);
    };
    schedule();
    return { cancel: () => timer?.cancel() };
  }

  /**
   * One term of workers: until `term` aborts (leadership lost: reconciles are aborted at once),
   * `shutdown` aborts (graceful: reconciles get until the deadline; resolves with how many were
   * left running) or the controller fails (rejects with the {@link ControllerFailedError}).
   */
  private async term(term: AbortSignal, shutdown: AbortSignal): Promise<number> {
    if (this.failure !== undefined) throw this.failure;
    if (shutdown.aborted || term.aborted) return 0;
    this.leading = true;
    // A new term starts from the whole cache: whatever happened while another replica led (or
    // before this one), every primary is looked at again.
    this.enqueueAll();
    const resync = this.resyncEvery();
    const take = new AbortController();
    const stop = new AbortController();
    let deadline: { cancel(): void } | undefined;
    let settle: (how: 'deadline' | 'failed') => void = () => undefined;
    const interrupted = new Promise<'deadline' | 'failed'>((resolve) => {
      settle = resolve;
    });
    let inFlightAtDeadline = 0;
    const onShutdown = (): void => {
      take.abort(shutdown.reason);
      deadline = this.clock.setTimeout(() => {
        inFlightAtDeadline = this.pool.inFlight(); // before the abort lets some of them return
        stop.abort(new Error(`controller ${this.name}: shutdown deadline passed`));
        settle('deadline');
      }, this.shutdownTimeoutMs);
    };
    const onTermEnd = (): void => {
      if (shutdown.aborted) return; // the graceful path owns this stop
      take.abort(term.reason);
      stop.abort(term.reason);
    };
    const onFailed = (): void => {
      take.abort(this.failure);
      stop.abort(this.failure);
      settle('failed');
    };
    shutdown.addEventListener('abort', onShutdown, { once: true });
    term.addEventListener('abort', onTermEnd, { once: true });
    this.failed.signal.addEventListener('abort', onFailed, { once: true });
    try {
      const workers = this.pool.run(take.signal, stop.signal).then(
        () => 'drained' as const,
        (err: unknown) => {
          this.fail('workers', `a worker died: ${errorOf(err).message}`, err);
          return 'failed' as const;
        },
      );
      const first = await Promise.race([workers, interrupted]);
      const failure = this.failure as ControllerFailedError | undefined;
      if (first === 'failed' && failure !== undefined) {
        // Give the other workers' reconciles (their signal aborted) until the stuck deadline
        // to return; a wedged one is not waited for.
        if (failure.reason !== 'wedged') {
          const bound = Math.min(this.shutdownTimeoutMs, this.stuckReconcileMs, maxDelayMs);
          let timer: { cancel(): void } | undefined;
          await Promise.race([
            this.pool.settled(),
            new Promise<void>((resolve) => {
              timer = this.clock.setTimeout(resolve, bound);
            }),
          ]);
          timer?.cancel();
        }
        throw failure;
      }
      if (first === 'deadline') {
        const inFlight = inFlightAtDeadline;
        this.logger.warn(
          {
            component: 'controller',
            resource: this.name,
            inFlight,
            timeoutMs: this.shutdownTimeoutMs,
          },
          'shutdown deadline passed with reconciles in flight; leaving them',
        );
        return inFlight;
      }
      return 0;
    } finally {
      resync.cancel();
      deadline?.cancel();
      shutdown.removeEventListener('abort', onShutdown);
      term.removeEventListener('abort', onTermEnd);
      this.failed.signal.removeEventListener('abort', onFailed);
      this.leading = false;
    }
  }

  /** Adds the event handlers of every source; returns the distinct informers. */
  private register(): SharedIndexInformer<unknown>[] {
    const informers = new Set<SharedIndexInformer<unknown>>();
    const primary = this.o.for;
    const type = primaryResourceOf(primary);
    const enqueue = (r: ReconcileRequest, priority: number | undefined): void =>
      this.enqueueKey(requestKey(r), priority);
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

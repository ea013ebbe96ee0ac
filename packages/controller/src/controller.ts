// A controller for one primary resource, on kubecache's informers and workqueue: kube-rs
// kube-runtime `Controller` (owns/watches, reconcile + error_policy) with the worker model and
// metrics of controller-runtime's `Controller` (pkg/internal/controller/controller.go), and
// client-go's sample-controller shape (informers → rate-limited queue → workers).
// This file puts the parts together; each is in its own module: the options and their checks
// (controller-options.ts), the queue (controller-queue.ts), the sources' handlers
// (registration.ts), the cache sync (cache-sync.ts), failures and health (supervision.ts), the
// resyncs (resync.ts), the workers' terms and shutdown (worker-term.ts), leader election
// (election.ts), sharding (sharding.ts) and the workers (workers.ts).
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
  type ResourceDef,
} from '@kubecache/core';
import type { ResourceEventHandlerRegistration } from '@kubecache/informer';
import type { RateLimitingInterface } from '@kubecache/workqueue';
import { waitForCaches } from './cache-sync.js';
import type { Client } from './client.js';
import {
  defaultCacheSyncTimeoutMs,
  defaultReconcileTimeoutMs,
  defaultStuckReconcileMs,
  defaultSyncPeriodMs,
  primaryResourceOf,
  validateControllerOptions,
  type ControllerOptions,
} from './controller-options.js';
import { createControllerQueue, type ControllerQueue } from './controller-queue.js';
import { runElected } from './election.js';
import { createControllerMetrics } from './metrics.js';
import { controllerClient, type ControllerClient } from './read-your-writes.js';
import { registerSources } from './registration.js';
import { requestKey, type ReconcileRequest } from './request.js';
import { createPrimaryResync } from './resync.js';
import { createShardRunner, type ShardRunner } from './sharding.js';
import { createSupervisor, type Supervisor } from './supervision.js';
import { createWorkerTerms, type WorkerTerms } from './worker-term.js';
import { WorkerPool } from './workers.js';

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

class ControllerImpl<T extends KubeObject> implements Controller {
  readonly name: string;
  readonly queue: RateLimitingInterface<string>;
  readonly client: Client;
  private readonly o: ControllerOptions<T>;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly concurrency: number;
  private readonly cacheSyncTimeoutMs: number;
  private readonly requests: ControllerQueue;
  private readonly supervisor: Supervisor;
  private readonly terms: WorkerTerms;
  private readonly registrations: ResourceEventHandlerRegistration[] = [];
  private readonly writes: ControllerClient;
  private readonly shard: ShardRunner | undefined;
  private started = false;
  private synced = false;

  constructor(options: ControllerOptions<T>) {
    validateControllerOptions(options);
    this.o = options;
    this.name = options.name;
    // Wrapped once here; everything below gets this one (a second wrap would do nothing).
    this.logger = createRateLimitedLogger(options.logger ?? defaultLogger);
    this.clock = options.clock ?? realClock;
    this.concurrency = options.concurrency ?? 1;
    const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 30_000;
    this.cacheSyncTimeoutMs = options.cacheSyncTimeoutMs ?? defaultCacheSyncTimeoutMs;
    const stuckReconcileMs = options.stuckReconcileMs ?? defaultStuckReconcileMs;
    const provider = options.metricsProvider;
    this.requests = createControllerQueue({
      name: options.name,
      clock: this.clock,
      logger: this.logger,
      metricsProvider: provider,
      rateLimiter: options.rateLimiter,
      priorityQueue: options.priorityQueue,
      debounceMs: options.debounceMs,
    });
    this.queue = this.requests.queue;
    this.supervisor = createSupervisor({
      name: options.name,
      logger: this.logger,
      clock: this.clock,
    });
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
      enqueue: (key) => this.requests.enqueue(key, undefined),
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
    const pool = new WorkerPool({
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
      stuckReconcileMs,
      onWedged: (key, runningMs) =>
        this.supervisor.fail(
          'wedged',
          `reconcile of ${key} still running ${String(Math.round(runningMs))} ms after it started, ${String(stuckReconcileMs)} ms after its signal aborted`,
          undefined,
        ),
    });
    this.terms = createWorkerTerms({
      pool,
      supervisor: this.supervisor,
      resync: createPrimaryResync({
        informer: options.for.informer,
        enqueue: (key, priority) => this.requests.enqueue(key, priority),
        syncPeriodMs: options.syncPeriodMs ?? defaultSyncPeriodMs,
        clock: this.clock,
        logger: this.logger,
        name: options.name,
      }),
      shutdownTimeoutMs,
      stuckReconcileMs,
      clock: this.clock,
      logger: this.logger,
      name: options.name,
    });
  }

  enqueue(request: ReconcileRequest): void {
    this.requests.enqueue(requestKey(request), undefined);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  isLeading(): boolean {
    return this.terms.isLeading();
  }

  healthCheck(): HealthCheck {
    return this.supervisor.healthCheck();
  }

  async run(signal: AbortSignal): Promise<ControllerRunResult> {
    if (this.started) throw new Error(`controller ${this.name} is already running`);
    this.started = true;
    const onAbort = (): void => this.supervisor.stop();
    signal.addEventListener('abort', onAbort, { once: true });
    const { informers, registrations } = registerSources({
      name: this.name,
      sources: this.o,
      enqueue: (key, priority) => this.requests.enqueue(key, priority),
      logger: this.logger,
    });
    this.registrations.push(...registrations);
    if (this.shard !== undefined) this.registrations.push(this.shard.gate.register());
    const stopInformers = new AbortController();
    const runs = informers
      .filter((i) => !i.isStarted())
      .map((i) => ({ informer: i, done: i.run(stopInformers.signal) }));
    let supervision: { cancel(): void } | undefined;
    try {
      if (signal.aborted) return { abandonedReconciles: 0 };
      this.logger.info({ component: 'controller', controller: this.name }, 'waiting for caches');
      const synced = await waitForCaches({
        informers,
        registrations: this.registrations,
        signal,
        timeoutMs: this.cacheSyncTimeoutMs,
        logger: this.logger,
        name: this.name,
      });
      if (!synced) return { abandonedReconciles: 0 };
      this.synced = true;
      supervision = this.supervisor.superviseInformers(informers, runs);
      this.logger.info(
        { component: 'controller', controller: this.name, workers: this.concurrency },
        'caches synced; starting workers',
      );
      let abandoned = 0;
      const election = this.o.leaderElection;
      if (this.shard !== undefined) {
        abandoned = await this.shard.run({
          shutdown: signal,
          failed: this.supervisor.signal,
          term: (term) => this.terms.run(term, signal),
          fail: (message, cause) => this.supervisor.fail('sharding', message, cause),
        });
      } else if (election === undefined) {
        abandoned = await this.terms.run(new AbortController().signal, signal);
      } else {
        abandoned = await runElected({
          election,
          signal,
          supervisor: this.supervisor,
          term: (term) => this.terms.run(term, signal),
          isLeading: () => this.terms.isLeading(),
          clock: this.clock,
          logger: this.logger,
          name: this.name,
        });
      }
      if (this.supervisor.failure !== undefined) throw this.supervisor.failure;
      return { abandonedReconciles: abandoned };
    } finally {
      this.supervisor.stop();
      signal.removeEventListener('abort', onAbort);
      supervision?.cancel();
      this.requests.shutDown();
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
}

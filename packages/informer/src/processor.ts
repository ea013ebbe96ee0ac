// Port of the sharedProcessor / processorListener of k8s.io/client-go/tools/cache/shared_informer.go:
// each handler has its own ordered, unbounded queue; a slow handler never blocks the others or the
// watch; async handlers are awaited; throwing handlers are reported and isolated.
// Differs from client-go: there a panicking handler crashes the process (HandleCrash re-panics);
// here whatever a handler throws, rejects with or returns is reported and delivery goes on.
import {
  FastQueue,
  createRateLimitedLogger,
  monotonicNow,
  silentLogger,
  toError,
  type Clock,
  type InformerMetrics,
  type KubeObject,
  type Logger,
} from '@kubecache/core';
import type { DeletedFinalStateUnknown } from '@kubecache/store';
import { SyncLatch, type ResourceEventHandler, type SyncWaiter } from './handlers.js';

/** A notification for one handler. */
export type Notification<T> =
  | { type: 'add'; obj: T; isInInitialList: boolean }
  | { type: 'update'; oldObj: T; newObj: T }
  | { type: 'delete'; obj: T | DeletedFinalStateUnknown<T> };

/** Called when a handler throws or rejects. */
export type HandlerErrorHook<T> = (err: Error, notification: Notification<T>) => void;

/**
 * The handle returned by `addEventHandler` (client-go `ResourceEventHandlerRegistration`).
 * `hasSynced()` is true once the informer synced and this handler processed every initial add.
 */
export interface ResourceEventHandlerRegistration extends SyncWaiter {
  /** The handler's name in logs and metrics (its `name` option, else its registration index). */
  readonly name: string;
  /**
   * Removes the handler: no notification is delivered to it after this call (the queued ones
   * are dropped, as client-go's listener drops its pending buffer when removed), and
   * `whenSynced` waiters resolve false. The promise resolves once the handler is idle: at once
   * when no call is running, else when the running call returned (an async handler's promise
   * settled) — client-go 1.37's `ShutDownEventHandler`. It never rejects; calling `remove` again
   * returns the same wait. A caller that ignores the promise (as before, when this returned
   * nothing) still removes the handler at once.
   *
   * Do not await it from inside the handler's own call: that call would wait for itself.
   */
  remove(): Promise<void>;
  /** Notifications queued for this handler. */
  queueDepth(): number;
  /** The handler's own resync period in ms (0 = none). */
  readonly resyncPeriodMs: number;
}

/**
 * Slow-handler tracing (client-go 1.36, `processorListener.run`): while more than this many
 * notifications wait behind the one being delivered, each handler call is timed.
 */
export const slowHandlerBacklog = 1024;

/** A traced handler call (see {@link slowHandlerBacklog}) longer than this, in ms, is logged. */
export const slowHandlerThresholdMs = 100;

/** One handler's queue and delivery loop. */
export class ProcessorListener<T = KubeObject> implements ResourceEventHandlerRegistration {
  readonly resyncPeriodMs: number;
  /** The handler's name in logs and metrics. */
  readonly name: string;
  private readonly metrics: InformerMetrics | undefined;
  /** True when `metrics.handled` wants call durations. */
  private readonly timing: boolean;
  /** When the running async handler call started (performance.now()), for `metrics.handled`. */
  private callStart = 0;
  private readonly handler: ResourceEventHandler<T>;
  private readonly queue = new FastQueue<Notification<T>>();
  private readonly onError: HandlerErrorHook<T>;
  private readonly clock: Clock;
  private pumping = false;
  private removed = false;
  private pendingInitial = 0;
  private nextResyncAt = 0;
  private readonly latch: SyncLatch;
  private idleWaiters: (() => void)[] = [];
  /** Waiters of {@link remove}: released when no handler call runs any more. */
  private drainWaiters: (() => void)[] = [];
  /** Set by the processor: tells whether the upstream (the informer) has synced. */
  private readonly upstreamSynced: () => boolean;
  private readonly onRemove: (l: ProcessorListener<T>) => void;
  private readonly logger: Logger;
  private readonly informerName: string | undefined;

  constructor(options: {
    handler: ResourceEventHandler<T>;
    /** Name in logs and metrics. Default `'0'`. */
    name?: string;
    /** Receives each call's duration and failures. Default: none (handler calls are not timed). */
    metrics?: InformerMetrics;
    resyncPeriodMs: number;
    onError: HandlerErrorHook<T>;
    clock: Clock;
    upstreamSynced: () => boolean;
    onRemove: (l: ProcessorListener<T>) => void;
    /**
     * Where slow handler calls are logged (see {@link slowHandlerBacklog}), one line per handler
     * per 30 s (core's `createRateLimitedLogger`). Default: none.
     */
    logger?: Logger;
    /** The informer's name, the `resource` of those lines. */
    informerName?: string;
  }) {
    this.handler = options.handler;
    this.name = options.name ?? '0';
    this.metrics = options.metrics;
    this.timing = options.metrics?.handled !== undefined;
    this.resyncPeriodMs = options.resyncPeriodMs;
    this.onError = options.onError;
    this.clock = options.clock;
    this.upstreamSynced = options.upstreamSynced;
    this.onRemove = options.onRemove;
    this.logger = createRateLimitedLogger(options.logger ?? silentLogger);
    this.informerName = options.informerName;
    this.latch = new SyncLatch(() => this.upstreamSynced() && this.pendingInitial === 0);
    this.determineNextResync(this.clock.now());
  }

  hasSynced(): boolean {
    return this.latch.hasSynced();
  }

  whenSynced(signal?: AbortSignal): Promise<boolean> {
    return this.latch.whenSynced(signal);
  }

  /** Re-checks the sync condition (called when the informer syncs). */
  pokeSync(): void {
    this.latch.poke();
  }

  queueDepth(): number {
    return this.queue.length;
  }

  remove(): Promise<void> {
    if (!this.removed) {
      this.removed = true;
      this.queue.clear();
      this.latch.cancel();
      this.onRemove(this);
      this.releaseIdle();
    }
    if (!this.pumping) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  isRemoved(): boolean {
    return this.removed;
  }

  /** Queues a notification; delivery starts on a microtask, never inside the caller. */
  add(n: Notification<T>): void {
    if (this.removed) return;
    if (n.type === 'add' && n.isInInitialList) this.pendingInitial++;
    this.queue.push(n);
    if (!this.pumping) {
      this.pumping = true;
      queueMicrotask(this.pumpTask);
    }
  }

  /** True when this listener's resync is due at `now` (and schedules the next one). */
  shouldResync(now: number): boolean {
    if (this.resyncPeriodMs <= 0 || now < this.nextResyncAt) return false;
    return true;
  }

  /** Schedules the next resync after `now`. */
  determineNextResync(now: number): void {
    this.nextResyncAt = now + this.resyncPeriodMs;
  }

  /** Resolves when the queue is empty and no handler call is running. */
  idle(): Promise<void> {
    if (!this.pumping || this.removed) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private releaseIdle(): void {
    const ws = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of ws) w();
  }

  /** Delivery stopped (nothing is running): releases the waiters of {@link remove}. */
  private stoppedPumping(): void {
    this.pumping = false;
    this.releaseIdle();
    if (this.drainWaiters.length === 0) return;
    const ws = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of ws) w();
  }

  private readonly pumpTask = (): void => this.pump();

  /**
   * Delivers queued notifications in order. Synchronous handlers are called back to back; a
   * handler that returns a promise (or any thenable) is awaited before the next notification.
   *
   * Whatever a handler throws, rejects with or returns (a revoked Proxy, a thenable whose `then`
   * throws, `null`, a symbol…) is at most a reported failure of that call: nothing escapes into
   * the microtask queue as an uncaught exception or unhandled rejection, and delivery goes on.
   */
  private pump(): void {
    const timing = this.timing;
    while (!this.removed && this.queue.length > 0) {
      const n = this.queue.shift()!;
      // client-go 1.36: a call made while the backlog is over 1024 is traced.
      const backlog = this.queue.length;
      const traceStart = backlog > slowHandlerBacklog ? monotonicNow(this.clock) : undefined;
      let r: unknown;
      let failed = false;
      let error: unknown;
      // Timed only when someone reads the durations: two clock reads per call otherwise wasted.
      if (timing) this.callStart = performance.now();
      try {
        r =
          n.type === 'add'
            ? this.handler.onAdd?.(n.obj, n.isInInitialList)
            : n.type === 'update'
              ? this.handler.onUpdate?.(n.oldObj, n.newObj)
              : this.handler.onDelete?.(n.obj);
      } catch (err) {
        failed = true;
        error = err;
      }
      let then: unknown;
      if (!failed && r !== null && (typeof r === 'object' || typeof r === 'function')) {
        try {
          then = (r as { then?: unknown }).then; // a getter or a revoked Proxy may throw
        } catch (err) {
          failed = true;
          error = err;
        }
      }
      if (typeof then === 'function') {
        const thenable = r as object;
        // Calls `then` once, as `await` would; a `then` that throws becomes a rejection.
        void new Promise<void>((resolve, reject) => {
          (then as (ok: () => void, fail: (e: unknown) => void) => void).call(
            thenable,
            () => resolve(),
            reject,
          );
        })
          .then(
            () => {
              if (timing) this.timed();
              if (traceStart !== undefined) this.traced(traceStart, backlog);
            },
            (err: unknown) => {
              if (timing) this.timed();
              if (traceStart !== undefined) this.traced(traceStart, backlog);
              this.report(err, n);
            },
          )
          .then(() => this.resume(n));
        return; // still pumping: carries on when the handler settles
      }
      if (timing) this.timed();
      if (traceStart !== undefined) this.traced(traceStart, backlog);
      if (failed) this.report(error, n);
      this.delivered(n);
    }
    this.stoppedPumping();
  }

  /** Continues delivery after an awaited handler call settled; never throws. */
  private resume(n: Notification<T>): void {
    try {
      this.delivered(n);
    } catch (err) {
      this.report(err, n);
    }
    try {
      this.pump();
    } catch (err) {
      // Not expected (every user call above is guarded): never leave the queue stalled.
      this.pumping = false;
      this.report(err, n);
      if (this.queue.length > 0 && !this.removed) {
        this.pumping = true;
        queueMicrotask(this.pumpTask);
      } else {
        this.stoppedPumping();
      }
    }
  }

  /** Book-keeping after a handler call (initial adds count towards `hasSynced`). */
  private delivered(n: Notification<T>): void {
    if (n.type === 'add' && n.isInInitialList) {
      this.pendingInitial--;
      if (this.pendingInitial === 0) this.latch.poke();
    }
  }

  /** Reports the duration of the handler call that started at `callStart`. */
  private timed(): void {
    try {
      this.metrics?.handled?.(this.name, performance.now() - this.callStart);
    } catch {
      // Metrics hooks must not stop delivery.
    }
  }

  /**
   * Logs a traced call (started at `start` on the clock, with `backlog` notifications waiting)
   * that took more than {@link slowHandlerThresholdMs}, as one warning:
   * `slow event handler handler=<name> durationMs=<ms> backlog=<n>`. Never throws.
   */
  private traced(start: number, backlog: number): void {
    try {
      const ms = monotonicNow(this.clock) - start;
      if (ms <= slowHandlerThresholdMs) return;
      this.logger.warn(
        {
          component: 'informer',
          ...(this.informerName !== undefined ? { resource: this.informerName } : {}),
          handler: this.name,
          durationMs: Math.round(ms),
          backlog,
          // One cause per handler: its lines are rate-limited apart from other handlers'.
          cause: `slow handler ${this.name}`,
        },
        'slow event handler',
      );
    } catch {
      // A user's logger that throws must not stop delivery.
    }
  }

  private report(err: unknown, n: Notification<T>): void {
    try {
      this.metrics?.handlerFailed?.(this.name);
    } catch {
      // Metrics hooks must not stop delivery.
    }
    try {
      this.onError(toError(err), n);
    } catch {
      // An error hook that throws must not stop delivery.
    }
  }
}

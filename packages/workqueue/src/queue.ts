// Port of k8s.io/client-go/util/workqueue/queue.go: a work queue that de-duplicates items and
// never hands the same item to two workers at once.
import {
  AbortedError,
  FastQueue,
  defaultLogger,
  realClock,
  type Clock,
  type Logger,
  type MetricsProvider,
} from '@kubecache/core';
import { InvalidArgumentError, requireFiniteNumber } from './errors.js';
import {
  QueueMetrics,
  defaultMetricsUpdatePeriodMs,
  noopMetricsProvider,
  type WorkqueueGauges,
  type WorkqueueMetricsHook,
  type WorkqueueMetricsProvider,
} from './metrics.js';
import { createWorkqueueMetrics } from './workqueue-metrics.js';

/** What {@link Queue.get} resolves with: an item to process, or the signal to stop working. */
export type GetResult<T> = { item: T; shutdown: false } | { shutdown: true };

/** Options of every queue constructor. */
export interface QueueOptions {
  /** A name for the queue, for logs and the `name` label of its metrics. Default: `''`. */
  name?: string;
  /**
   * Creates client-go's workqueue metrics (`workqueue_depth{name}`, `workqueue_adds_total{name}`,
   * …; see `createWorkqueueMetrics`) for this queue, labelled with `name`, which is then
   * required. For example `createPrometheusMetricsProvider()` of `@kubecache/prometheus`.
   * Default: none.
   */
  metricsProvider?: MetricsProvider;
  /**
   * Receives the queue's metrics as hooks, for a backend of your own. Cannot be combined with
   * `metricsProvider`. Default: {@link noopMetricsProvider} (nothing observed).
   */
  metrics?: WorkqueueMetricsProvider;
  /** How often, in ms, unfinished work is reported while items are processed. Default: 500. */
  metricsUpdatePeriodMs?: number;
  /** The clock for latencies, delays and the metrics timer. Default: the real clock. */
  clock?: Clock;
  /**
   * Where the queue reports what it caught instead of throwing, each at most once per queue:
   * the first exception of each metrics hook (warn, `metrics hook failed`, field `hook`), and
   * the first `addAfter` delay that is not a number (warn). Items are never logged. An exception
   * from the logger itself is ignored. Default: core's `defaultLogger` (warnings to stderr);
   * `silentLogger` turns it off.
   */
  logger?: Logger;
}

/**
 * A de-duplicating work queue (client-go `workqueue.Interface`).
 *
 * Contract:
 * - Items are compared like `Map` keys (SameValueZero): strings and numbers by value, objects by
 *   identity. Two equal-looking objects are two items — queue string keys such as
 *   `namespace/name`, and look the object up when the key is processed.
 * - `add(item)` marks the item dirty and queues it, unless it is already dirty (waiting). If the
 *   item is being processed, it is queued again only when `done(item)` is called, so no two
 *   workers ever hold the same item, and an add during processing is never lost.
 * - `get(signal?)` hands out the oldest queued item and marks it processing. With an empty queue
 *   it waits (no polling) until an item is added or the queue shuts down. Waiting calls are served
 *   in arrival order. Aborting `signal` rejects that call with `AbortedError` and loses nothing.
 * - Every item handed out must be passed to `done(item)` exactly once after processing.
 * - `shutDown()`: later adds are ignored; items already queued are still handed out; once the
 *   queue is empty every waiting and future `get` resolves `{ shutdown: true }`.
 * - `shutDownWithDrain()` does the same and resolves once no item is being processed (items
 *   re-added during processing are still queued and handed out to workers that keep calling `get`).
 *   A `shutDown()` during the drain resolves it at once (the forced, second-signal shutdown).
 * - Every operation is O(1) amortised.
 * - Any value can be an item (`null`, `NaN`, symbols, revoked Proxies, objects whose getters or
 *   `toString` throw): the queue never inspects items, it only compares them. Its methods throw
 *   only the argument errors documented on them; an exception of a metrics hook is caught and
 *   reported (see `QueueOptions.logger`), and the queue goes on as if the hook had returned.
 */
export interface Queue<T> extends WorkqueueGauges {
  /** Marks `item` as needing processing. Ignored after shutdown. */
  add(item: T): void;
  /** The number of items queued for `get` (not those being processed). Informational. */
  len(): number;
  /** Waits for the next item, or `{ shutdown: true }` when the queue is shut down and empty. */
  get(signal?: AbortSignal): Promise<GetResult<T>>;
  /** Marks `item` as processed; re-queues it if it was added again meanwhile. */
  done(item: T): void;
  /** Stops the queue without waiting for items being processed. Idempotent. */
  shutDown(): void;
  /** Stops the queue and resolves once every item being processed is done. */
  shutDownWithDrain(): Promise<void>;
  /** True once `shutDown` or `shutDownWithDrain` was called. */
  shuttingDown(): boolean;
}

/** The de-duplicating queue (client-go `workqueue.Typed`). Create it with {@link createQueue}. */
export class WorkQueue<T> implements Queue<T> {
  /** The name given in the options. */
  readonly name: string;
  protected readonly clock: Clock;
  protected readonly metrics: QueueMetrics<T>;
  private readonly queue = new FastQueue<T>();
  /** Items that need processing: queued, or re-added while being processed. */
  private readonly dirty = new Set<T>();
  private readonly processing = new Set<T>();
  /**
   * Waiting `get`s, in arrival order (a Set iterates in insertion order). Only non-empty while
   * the queue is empty: a new item goes straight to the first waiter.
   */
  private readonly waiters = new Set<(result: GetResult<T>) => void>();
  private drainWaiters: (() => void)[] = [];
  private stopping = false;
  /** Where caught failures are reported; see {@link QueueOptions.logger}. */
  protected readonly logger: Logger;
  /** What was already reported (each kind at most once per queue). */
  private readonly reported = new Set<string>();

  /**
   * @param options - name, metrics provider and period, clock; see {@link QueueOptions}.
   * @throws InvalidArgumentError when `metricsUpdatePeriodMs` is not a number ≥ 1, or
   * `metricsProvider` is given without a `name` or together with `metrics`.
   */
  constructor(options: QueueOptions = {}) {
    const period = options.metricsUpdatePeriodMs ?? defaultMetricsUpdatePeriodMs;
    requireFiniteNumber('metricsUpdatePeriodMs', period, 1);
    this.name = options.name ?? '';
    this.clock = options.clock ?? realClock;
    this.logger = options.logger ?? defaultLogger;
    this.metrics = new QueueMetrics<T>(
      hooksOf(options, this.name),
      this.clock,
      period,
      (hook: WorkqueueMetricsHook, err: unknown) => {
        this.reportOnce(`hook:${hook}`, { hook, err }, 'metrics hook failed');
      },
    );
  }

  add(item: T): void {
    if (this.stopping || this.dirty.has(item)) return;
    this.dirty.add(item);
    this.metrics.added(item, this.dirty.size);
    if (this.processing.has(item)) return;
    this.enqueue(item);
  }

  len(): number {
    return this.queue.length;
  }

  // Differs from client-go: Get blocks a goroutine on a condition variable; here `get` returns a
  // Promise, takes an AbortSignal, and resolves a discriminated union instead of (item, shutdown).
  get(signal?: AbortSignal): Promise<GetResult<T>> {
    if (this.queue.length > 0) return Promise.resolve(this.handOut(this.queue.shift() as T));
    if (this.stopping) return Promise.resolve({ shutdown: true });
    return new Promise<GetResult<T>>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new AbortedError(undefined, { cause: signal.reason }));
        return;
      }
      const onAbort = (): void => {
        this.waiters.delete(deliver);
        reject(new AbortedError(undefined, { cause: signal?.reason }));
      };
      const deliver = (result: GetResult<T>): void => {
        try {
          signal?.removeEventListener('abort', onAbort);
        } finally {
          resolve(result);
        }
      };
      // Listen first: if `signal` cannot be listened to, the call rejects before it waits, so
      // no item is ever handed to a call that has already failed.
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(deliver);
    });
  }

  done(item: T): void {
    // Like client-go, `done` for an item that is not being processed is harmless.
    if (!this.processing.delete(item)) return;
    this.metrics.finished(item);
    if (this.dirty.has(item)) this.enqueue(item);
    // Differs from client-go, whose drain may or may not notice this moment: a drain ends as
    // soon as nothing is processed, even if an item was just queued again; after shutdown its
    // workers may already have left, and waiting for it could hang forever.
    if (this.processing.size === 0) this.releaseDrainWaiters();
  }

  shutDown(): void {
    this.stopping = true;
    this.metrics.stop();
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const deliver of waiting) deliver({ shutdown: true });
    // A plain shutDown cuts an ongoing drain short, as in client-go.
    this.releaseDrainWaiters();
  }

  async shutDownWithDrain(): Promise<void> {
    // Calls shutDown first: it only releases drains that were already waiting.
    if (!this.stopping) this.shutDown();
    if (this.processing.size === 0) return;
    await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }

  shuttingDown(): boolean {
    return this.stopping;
  }

  unfinishedWorkMs(): number {
    return this.metrics.unfinishedWorkMs();
  }

  longestRunningProcessorMs(): number {
    return this.metrics.longestRunningProcessorMs();
  }

  /** Gives `item` to the longest-waiting `get`, or queues it when nobody waits. */
  private enqueue(item: T): void {
    for (const deliver of this.waiters) {
      this.waiters.delete(deliver);
      deliver(this.handOut(item));
      return;
    }
    this.queue.push(item);
  }

  /** Moves `item` from dirty to processing. */
  private handOut(item: T): GetResult<T> {
    this.processing.add(item);
    this.dirty.delete(item);
    this.metrics.handedOut(item, this.dirty.size);
    return { item, shutdown: false };
  }

  /**
   * Logs `msg` at warn with `fields` the first time `kind` happens on this queue. Never throws.
   */
  protected reportOnce(kind: string, fields: Record<string, unknown>, msg: string): void {
    if (this.reported.has(kind)) return;
    this.reported.add(kind);
    const resource = this.name === '' ? {} : { resource: this.name };
    try {
      this.logger.warn({ component: 'workqueue', ...resource, ...fields }, msg);
    } catch {
      // A logger that throws is not the queue's failure to report.
    }
  }

  private releaseDrainWaiters(): void {
    if (this.drainWaiters.length === 0) return;
    const waiting = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiting) resolve();
  }
}

// Differs from client-go, which silently gives an unnamed queue no metrics: a provider without a
// name is a mistake the caller should hear about.
/**
 * The metrics hooks a queue built with `options` feeds (internal: shared by the queues of this
 * package, not exported from the package).
 *
 * @throws InvalidArgumentError when `metricsProvider` is given without a `name` or together with
 * `metrics`.
 */
export function hooksOf(options: QueueOptions, name: string): WorkqueueMetricsProvider {
  if (options.metricsProvider === undefined) return options.metrics ?? noopMetricsProvider;
  if (options.metrics !== undefined) {
    throw new InvalidArgumentError(
      'metrics',
      'give either metricsProvider or metrics hooks, not both (combine them with createWorkqueueMetrics)',
    );
  }
  if (name === '') {
    throw new InvalidArgumentError(
      'name',
      'a queue with a metricsProvider needs a name for its metrics',
    );
  }
  return createWorkqueueMetrics(options.metricsProvider, name);
}

/** Creates a de-duplicating work queue (client-go `workqueue.NewTyped`). */
export function createQueue<T>(options: QueueOptions = {}): WorkQueue<T> {
  return new WorkQueue<T>(options);
}

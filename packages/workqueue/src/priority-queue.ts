// controller-runtime's priority queue (sigs.k8s.io/controller-runtime
// pkg/controller/priorityqueue/priorityqueue.go, the default queue of its controllers since
// v0.23): a rate-limited work queue that hands out the ready item of highest priority first,
// FIFO within a priority, with client-go's de-duplication and dirty/processing semantics.
// Ready items: an indexed binary heap on (priority ↓, ready time ↑, insertion ↑); delayed items:
// a second heap on ready time with one timer, as the delaying queue.
import {
  AbortedError,
  defaultLogger,
  realClock,
  type Clock,
  type Logger,
  type TimerHandle,
} from '@kubecache/core';
import { clampDelayMs } from './delay.js';
import { InvalidArgumentError, describeValue, requireFiniteNumber } from './errors.js';
import { IndexedHeap } from './indexed-heap.js';
import {
  QueueMetrics,
  defaultMetricsUpdatePeriodMs,
  type WorkqueueMetricsHook,
} from './metrics.js';
import { hooksOf, type QueueOptions } from './queue.js';
import type { RateLimitingInterface } from './rate-limiting-queue.js';
import { defaultControllerRateLimiter, type TypedRateLimiter } from './rate-limiters.js';

/**
 * The priority of events a controller has probably seen before: items of the informer's initial
 * list and resyncs that changed nothing (controller-runtime `handler.LowPriority`, -100).
 */
export const lowPriority = -100;

/** The priority of `add`, `addAfter`, `addRateLimited` and of `addWithOptions` without one: 0. */
export const defaultPriority = 0;

/** Node's timers overflow above 2^31 - 1 ms and then fire at once; longer waits are re-armed. */
const maxTimerMs = 2 ** 31 - 1;

/** Options of {@link PriorityQueueInterface.addWithOptions} (controller-runtime `AddOpts`). */
export interface AddOptions {
  /**
   * Higher is handed out first. A safe integer (`Number.isSafeInteger`); controller-runtime uses
   * 0 for changes and {@link lowPriority} (-100) for the initial list and unchanged resyncs.
   * Default: {@link defaultPriority} (0).
   */
  priority?: number;
  /**
   * Wait this long, in ms, before the item is ready, as `addAfter` (≤ 0: ready at once; `NaN`
   * or not a number: ready at once, reported once; above about 292 years, `Infinity` included:
   * that long). Default: ready at once.
   */
  afterMs?: number;
  /**
   * Ask the rate limiter for a delay (recording a failure, as `addRateLimited`); with `afterMs`
   * as well, the shorter of the two delays is used. Default: false.
   */
  rateLimited?: boolean;
}

/**
 * What {@link PriorityQueueInterface.get} resolves with: `GetResult` plus the priority the
 * item had when it was handed out (controller-runtime `GetWithPriority`).
 */
export type PriorityGetResult<T> =
  { item: T; priority: number; shutdown: false } | { shutdown: true };

/**
 * A rate-limited work queue that hands out high-priority items first (controller-runtime
 * `priorityqueue.PriorityQueue`, `pkg/controller/priorityqueue/priorityqueue.go`). It is a
 * {@link RateLimitingInterface}, so it can replace `createRateLimitingQueue()` anywhere.
 *
 * Contract:
 * - One entry per item (items are compared like `Map` keys, as in every queue here). An entry
 *   has a priority and a ready time. `addWithOptions(item, { priority, afterMs, rateLimited })`
 *   creates it, or, if the item is already waiting, keeps the **higher** of the two priorities
 *   and the **earlier** of the two ready times — every add can only bring an item forward.
 * - `get(signal?)` hands out, among the entries that are ready and not being processed, the one
 *   of highest priority; within a priority the one that became ready first; then the one added
 *   first (FIFO within a priority). An item whose priority is raised while it waits joins the
 *   back of its new priority (it became ready at that priority only now).
 * - `add`, `addAfter`, `addRateLimited` are `addWithOptions` with priority
 *   {@link defaultPriority} (0) and no options, `{ afterMs }`, `{ rateLimited: true }`.
 * - De-duplication and processing as client-go's queue (see `Queue`): an item is never held
 *   by two workers; an item added while it is processed waits, with its priority and ready
 *   time, and is handed out only after `done(item)`, ordered where its entry belongs (not at the
 *   back). Every item handed out must be passed to `done` once.
 * - Delays (`afterMs`, `addAfter`, rate-limited adds): the item is not handed out before its
 *   ready time on the queue's clock; one timer, armed for the earliest ready time. A delayed add
 *   of an item that is already ready (or processed and re-added) changes nothing: the item is
 *   handed out once, not again later.
 * - `waitingLen()` is the number of entries waiting for their ready time; `len()` the number
 *   ready to be handed out (not counting items re-added while processed).
 * - Shutdown as client-go's queue: adds are ignored; entries that are ready are still handed out
 *   (highest priority first); entries still waiting for their ready time are dropped and the
 *   timer cancelled; then every waiting and future `get` resolves `{ shutdown: true }`.
 *   `shutDownWithDrain()` resolves once no item is processed; `shutDown()` during it ends it.
 * - Metrics: client-go's workqueue hooks (see `WorkqueueMetricsProvider`). An item counts as
 *   added (`add`, `depth`, start of its queue latency) when it becomes ready — at once, or when
 *   its delay ends; `retry` once per add with `afterMs` or `rateLimited` before shutdown.
 *   `depth` is the number of ready entries, those re-added while processed included.
 * - Cost: `addWithOptions`, `get` and `done` are O(log n); `len` O(1). No operation scans the
 *   queue.
 * - Errors: `addWithOptions` throws {@link InvalidArgumentError} (queue unchanged) when
 *   `priority` is not a safe integer, e.g. `priority: expected a safe integer, got 1.5`, and
 *   whatever a rate limiter of your own throws from `when` (queue unchanged). Nothing else throws:
 *   any item, any delay, a throwing metrics hook are handled as in the other queues.
 *
 * Differs from controller-runtime:
 * - `shutDown` lets workers take the items already ready, and `shutDownWithDrain` waits for the
 *   items being processed, as client-go's queue (controller-runtime's `Get` returns shutdown at
 *   once, and its `ShutDownWithDrain` is `ShutDown`).
 * - Within a priority, entries are ordered by the time they became ready, whether they were
 *   added for now or their delay ended (controller-runtime puts every entry added without a
 *   delay before every entry whose delay ended).
 * - `addWithOptions` takes one item (call it per item), and `get` returns the priority itself
 *   (`GetWithPriority` is not a separate method).
 * - `retry` is counted for every `addAfter`, as client-go's delaying queue, even with a delay
 *   ≤ 0 (controller-runtime counts only delays > 0).
 * - Not ported: the fairness dimensions of newer controller-runtime (round-robin between keys'
 *   groups within a priority), the `priority` label on the depth metric, the periodic debug log
 *   of the queue's content.
 */
export interface PriorityQueueInterface<T> extends RateLimitingInterface<T> {
  /**
   * Adds `item` with a priority, a delay and/or rate limiting (controller-runtime
   * `AddWithOpts`). Ignored after shutdown.
   *
   * @throws InvalidArgumentError when `options.priority` is not a safe integer.
   */
  addWithOptions(item: T, options?: AddOptions): void;
  /** Waits for the ready item of highest priority, or `{ shutdown: true }` once shut down and empty. */
  get(signal?: AbortSignal): Promise<PriorityGetResult<T>>;
}

/** Options of {@link createPriorityQueue}: the queue options plus the rate limiter. */
export interface PriorityQueueOptions<T> extends QueueOptions {
  /**
   * Decides the delay of `addRateLimited` and of `addWithOptions(item, { rateLimited: true })`.
   * Default: `defaultControllerRateLimiter()` on the queue's clock.
   */
  rateLimiter?: TypedRateLimiter<T>;
}

/** Where an entry is: waiting for its ready time, ready to hand out, or ready but processed. */
type EntryState = 'delayed' | 'ready' | 'parked';

interface Entry<T> {
  readonly item: T;
  priority: number;
  /** When the entry became (or becomes) ready, ms on the queue clock. */
  readyAt: number;
  /** Insertion counter: the FIFO tie-breaker. */
  seq: number;
  state: EntryState;
  heapIndex: number;
}

/** Ready entries: highest priority, then earliest ready, then first added. */
function readyBefore<T>(a: Entry<T>, b: Entry<T>): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.readyAt !== b.readyAt) return a.readyAt < b.readyAt;
  return a.seq < b.seq;
}

/** Delayed entries: earliest ready time first. */
function delayedBefore<T>(a: Entry<T>, b: Entry<T>): boolean {
  if (a.readyAt !== b.readyAt) return a.readyAt < b.readyAt;
  return a.seq < b.seq;
}

/** The priority queue. Create it with {@link createPriorityQueue}. */
export class PriorityQueue<T> implements PriorityQueueInterface<T> {
  /** The name given in the options. */
  readonly name: string;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly metrics: QueueMetrics<T>;
  private readonly rateLimiter: TypedRateLimiter<T>;
  /** Every item that needs processing (waiting for its time, ready, or re-added while processed). */
  private readonly entries = new Map<T, Entry<T>>();
  private readonly ready = new IndexedHeap<Entry<T>>(readyBefore);
  private readonly delayed = new IndexedHeap<Entry<T>>(delayedBefore);
  /** Entries that are ready or parked: the `depth` of the metrics. */
  private readyCount = 0;
  private nextSeq = 0;
  private readonly processing = new Set<T>();
  /** Waiting `get`s in arrival order; only non-empty while no entry is ready. */
  private readonly waiters = new Set<(result: PriorityGetResult<T>) => void>();
  private drainWaiters: (() => void)[] = [];
  private stopping = false;
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private readonly reported = new Set<string>();

  /**
   * @param options - rate limiter, name, metrics, clock, logger; see {@link PriorityQueueOptions}.
   * @throws InvalidArgumentError when `metricsUpdatePeriodMs` is not a number ≥ 1, or
   * `metricsProvider` is given without a `name` or together with `metrics`.
   */
  constructor(options: PriorityQueueOptions<T> = {}) {
    const period = options.metricsUpdatePeriodMs ?? defaultMetricsUpdatePeriodMs;
    requireFiniteNumber('metricsUpdatePeriodMs', period, 1);
    this.name = options.name ?? '';
    this.clock = options.clock ?? realClock;
    this.logger = options.logger ?? defaultLogger;
    this.rateLimiter =
      options.rateLimiter ??
      defaultControllerRateLimiter<T>(options.clock === undefined ? {} : { clock: options.clock });
    this.metrics = new QueueMetrics<T>(
      hooksOf(options, this.name),
      this.clock,
      period,
      (hook: WorkqueueMetricsHook, err: unknown) => {
        this.reportOnce(`hook:${hook}`, { hook, err }, 'metrics hook failed');
      },
    );
  }

  addWithOptions(item: T, options: AddOptions = {}): void {
    const priority = options.priority ?? defaultPriority;
    if (!Number.isSafeInteger(priority)) {
      throw new InvalidArgumentError(
        'priority',
        `expected a safe integer, got ${describeValue(priority)}`,
        { cause: priority },
      );
    }
    if (this.stopping) return;
    const { afterMs, rateLimited = false } = options;
    // Asked first: if a limiter of the caller's throws, nothing has changed yet.
    const limited = rateLimited ? this.rateLimiter.when(item) : undefined;
    // Differs from client-go, where a time.Duration cannot be NaN: as in addAfter, NaN or a
    // value that is not a number means "at once" and is reported.
    for (const delay of [afterMs, limited]) {
      if (delay !== undefined && (typeof delay !== 'number' || Number.isNaN(delay))) {
        this.reportOnce(
          'delay-not-a-number',
          { delayMs: describeValue(delay) },
          'addAfter got a delay that is not a number; the item is added at once',
        );
      }
    }
    let wait = clampDelayMs(afterMs);
    // As controller-runtime: a rate-limited add takes the limiter's delay, or the shorter of the
    // two when a delay was asked for too.
    if (limited !== undefined) {
      const w = clampDelayMs(limited);
      if (wait === 0 || w < wait) wait = w;
    }
    if (afterMs !== undefined || rateLimited) this.metrics.retried();
    const now = this.clock.now();
    const readyAt = wait === 0 ? now : now + wait;

    const entry = this.entries.get(item);
    if (entry === undefined) {
      const created: Entry<T> = {
        item,
        priority,
        readyAt,
        seq: this.nextSeq++,
        state: 'delayed',
        heapIndex: -1,
      };
      this.entries.set(item, created);
      if (wait === 0) this.becomeReady(created);
      else {
        this.delayed.push(created);
        this.arm();
      }
      this.serveWaiters();
      return;
    }

    if (entry.state === 'delayed') {
      if (priority > entry.priority) entry.priority = priority;
      if (wait === 0 || entry.readyAt <= now) {
        // Ready now (or its timer is merely late): the earlier of the two ready times.
        entry.readyAt = Math.min(entry.readyAt, now);
        this.delayed.remove(entry);
        if (this.delayed.size === 0) this.disarm(); // no timer left behind for nothing
        this.becomeReady(entry);
        this.serveWaiters();
      } else if (readyAt < entry.readyAt) {
        entry.readyAt = readyAt;
        this.delayed.update(entry);
        this.arm();
      }
      return;
    }
    // Ready or parked: already as early as can be; only a higher priority moves it, to the
    // back of its new priority (controller-runtime PR #3408: FIFO within a priority).
    if (priority > entry.priority) {
      entry.priority = priority;
      entry.readyAt = Math.max(entry.readyAt, now);
      entry.seq = this.nextSeq++;
      if (entry.state === 'ready') this.ready.update(entry);
    }
  }

  add(item: T): void {
    this.addWithOptions(item);
  }

  addAfter(item: T, delayMs: number): void {
    this.addWithOptions(item, { afterMs: delayMs });
  }

  addRateLimited(item: T): void {
    this.addWithOptions(item, { rateLimited: true });
  }

  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }

  len(): number {
    return this.ready.size;
  }

  /** The number of entries waiting for their ready time. */
  waitingLen(): number {
    return this.delayed.size;
  }

  get(signal?: AbortSignal): Promise<PriorityGetResult<T>> {
    const next = this.ready.pop();
    if (next !== undefined) return Promise.resolve(this.handOut(next));
    if (this.stopping) return Promise.resolve({ shutdown: true });
    return new Promise<PriorityGetResult<T>>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new AbortedError(undefined, { cause: signal.reason }));
        return;
      }
      const onAbort = (): void => {
        this.waiters.delete(deliver);
        reject(new AbortedError(undefined, { cause: signal?.reason }));
      };
      const deliver = (result: PriorityGetResult<T>): void => {
        try {
          signal?.removeEventListener('abort', onAbort);
        } finally {
          resolve(result);
        }
      };
      // Listen first: a signal that cannot be listened to fails the call before it waits.
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(deliver);
    });
  }

  done(item: T): void {
    if (!this.processing.delete(item)) return;
    this.metrics.finished(item);
    const entry = this.entries.get(item);
    if (entry?.state === 'parked') {
      entry.state = 'ready';
      this.ready.push(entry);
      this.serveWaiters();
    }
    // As the other queues: a drain ends as soon as nothing is processed.
    if (this.processing.size === 0) this.releaseDrainWaiters();
  }

  shutDown(): void {
    this.stopping = true;
    this.disarm();
    for (const e of this.delayed.values()) this.entries.delete(e.item);
    this.delayed.clear();
    this.metrics.stop();
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const deliver of waiting) deliver({ shutdown: true });
    this.releaseDrainWaiters();
  }

  async shutDownWithDrain(): Promise<void> {
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

  /** A delayed entry's time has come, or a new entry is ready at once. */
  private becomeReady(entry: Entry<T>): void {
    this.readyCount++;
    if (this.processing.has(entry.item)) entry.state = 'parked';
    else {
      entry.state = 'ready';
      this.ready.push(entry);
    }
    this.metrics.added(entry.item, this.readyCount);
  }

  /** Hands the best ready entries to the longest-waiting `get`s. */
  private serveWaiters(): void {
    for (const deliver of this.waiters) {
      const next = this.ready.pop();
      if (next === undefined) return;
      this.waiters.delete(deliver);
      deliver(this.handOut(next));
    }
  }

  private handOut(entry: Entry<T>): PriorityGetResult<T> {
    this.entries.delete(entry.item);
    this.readyCount--;
    this.processing.add(entry.item);
    this.metrics.handedOut(entry.item, this.readyCount);
    return { item: entry.item, priority: entry.priority, shutdown: false };
  }

  // As the delaying queue: one exact timer, waits beyond Node's timer limit in several steps.
  private arm(): void {
    const next = this.delayed.peek();
    if (next === undefined) return;
    if (this.timer !== undefined && this.timerAt <= next.readyAt) return;
    this.timer?.cancel();
    this.timerAt = next.readyAt;
    const wait = Math.min(maxTimerMs, Math.max(0, next.readyAt - this.clock.now()));
    this.timer = this.clock.setTimeout(() => {
      this.fire();
    }, wait);
  }

  private disarm(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  /** Makes every entry whose time has come ready, serves waiters, re-arms for the next one. */
  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.clock.now();
    for (
      let e = this.delayed.peek();
      e !== undefined && e.readyAt <= now;
      e = this.delayed.peek()
    ) {
      this.delayed.pop();
      this.becomeReady(e);
    }
    this.serveWaiters();
    this.arm();
  }

  /** Logs `msg` at warn the first time `kind` happens on this queue. Never throws. */
  private reportOnce(kind: string, fields: Record<string, unknown>, msg: string): void {
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

/**
 * Creates a priority queue (controller-runtime `priorityqueue.New`). A drop-in for
 * `createRateLimitingQueue(rateLimiter, options)`: `createPriorityQueue({ rateLimiter, ...options })`.
 *
 * Differs from controller-runtime: the default rate limiter is `defaultControllerRateLimiter()`
 * (as `createRateLimitingQueue`), not the per-item exponential limiter alone; controller-runtime's
 * controllers pass their own limiter (the same default) anyway.
 *
 * @param options - rate limiter, name, metrics, clock, logger; see {@link PriorityQueueOptions}.
 * @throws InvalidArgumentError for the bad options the other queues refuse.
 */
export function createPriorityQueue<T>(options: PriorityQueueOptions<T> = {}): PriorityQueue<T> {
  return new PriorityQueue<T>(options);
}

/**
 * True when `queue` is a priority queue (has `addWithOptions`), so that a controller given any
 * {@link RateLimitingInterface} can use priorities when it can (controller-runtime type-asserts
 * `priorityqueue.PriorityQueue` the same way).
 */
export function isPriorityQueue<T>(
  queue: RateLimitingInterface<T>,
): queue is PriorityQueueInterface<T> {
  return typeof (queue as Partial<PriorityQueueInterface<T>>).addWithOptions === 'function';
}

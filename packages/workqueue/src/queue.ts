// Port of k8s.io/client-go/util/workqueue/queue.go: a work queue with de-duplication, where an
// item is never processed by two workers at once.
import { AbortedError, FastQueue, realClock, type Clock } from '@kubecache/core';
import type { WorkqueueGauges, WorkqueueMetrics } from './metrics.js';

/** Result of {@link Queue.get}. */
export type GetResult<T> = { item: T; shutdown: false } | { shutdown: true };

/** Options of every queue. */
export interface QueueOptions {
  /** Name for metrics and logs. */
  name?: string;
  /** Metrics hooks. Default: none. */
  metrics?: WorkqueueMetrics;
  /** Clock for latencies and delays. Default: the real clock. */
  clock?: Clock;
}

/**
 * A de-duplicating work queue (client-go `workqueue.Interface`).
 *
 * Contract:
 * - `add(item)` queues `item` unless it is already queued (dirty). Items are compared with
 *   `SameValueZero` (strings by value, objects by identity) — use string keys.
 * - `get()` hands out the oldest item and marks it processing; an item added while it is being
 *   processed is queued again only after `done(item)`, so no two workers ever hold the same item.
 * - `shutDown()` makes waiting and future `get`s resolve `{ shutdown: true }` once the queue is
 *   empty (queued items are still handed out); adds after shutdown are ignored.
 *   `shutDownWithDrain()` also waits until every item being processed is `done`.
 */
export interface Queue<T> extends WorkqueueGauges {
  add(item: T): void;
  len(): number;
  get(signal?: AbortSignal): Promise<GetResult<T>>;
  done(item: T): void;
  shutDown(): void;
  shutDownWithDrain(): Promise<void>;
  shuttingDown(): boolean;
}

/** The basic de-duplicating queue. */
export class WorkQueue<T> implements Queue<T> {
  protected readonly clock: Clock;
  protected readonly metrics: WorkqueueMetrics;
  private readonly queue = new FastQueue<T>();
  private readonly dirty = new Set<T>();
  private readonly processing = new Map<T, number>();
  private readonly addedAt = new Map<T, number>();
  /** Waiting `get`s, in arrival order (a Set keeps insertion order). */
  private readonly waiters = new Set<() => void>();
  private readonly drainWaiters: (() => void)[] = [];
  private stopping = false;

  constructor(options: QueueOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.metrics = options.metrics ?? {};
  }

  add(item: T): void {
    if (this.stopping || this.dirty.has(item)) return;
    this.metrics.add?.();
    this.dirty.add(item);
    if (!this.addedAt.has(item)) this.addedAt.set(item, this.clock.now());
    if (this.processing.has(item)) return;
    this.queue.push(item);
    this.metrics.depth?.(this.queue.length);
    this.wakeOne();
  }

  len(): number {
    return this.queue.length;
  }

  async get(signal?: AbortSignal): Promise<GetResult<T>> {
    while (this.queue.length === 0) {
      if (this.stopping) return { shutdown: true };
      await new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(new AbortedError(undefined, { cause: signal.reason }));
          return;
        }
        const onAbort = (): void => {
          this.waiters.delete(wake);
          reject(new AbortedError(undefined, { cause: signal?.reason }));
        };
        const wake = (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        this.waiters.add(wake);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
    const item = this.queue.shift() as T;
    this.metrics.depth?.(this.queue.length);
    const now = this.clock.now();
    const added = this.addedAt.get(item);
    if (added !== undefined) this.metrics.queueLatency?.(now - added);
    this.addedAt.delete(item);
    this.processing.set(item, now);
    this.dirty.delete(item);
    return { item, shutdown: false };
  }

  done(item: T): void {
    const started = this.processing.get(item);
    if (started === undefined) return;
    this.metrics.workDuration?.(this.clock.now() - started);
    this.processing.delete(item);
    if (this.dirty.has(item)) {
      this.queue.push(item);
      this.metrics.depth?.(this.queue.length);
      this.wakeOne();
    }
    if (this.processing.size === 0) for (const w of this.drainWaiters.splice(0)) w();
  }

  shutDown(): void {
    this.stopping = true;
    const all = [...this.waiters];
    this.waiters.clear();
    for (const w of all) w();
  }

  async shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return;
    await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }

  shuttingDown(): boolean {
    return this.stopping;
  }

  unfinishedWorkMs(): number {
    const now = this.clock.now();
    let total = 0;
    for (const t of this.processing.values()) total += now - t;
    return total;
  }

  longestRunningProcessorMs(): number {
    const now = this.clock.now();
    let longest = 0;
    for (const t of this.processing.values()) longest = Math.max(longest, now - t);
    return longest;
  }

  private wakeOne(): void {
    for (const w of this.waiters) {
      this.waiters.delete(w);
      w();
      return;
    }
  }
}

/** Creates a de-duplicating work queue. */
export function createQueue<T>(options: QueueOptions = {}): WorkQueue<T> {
  return new WorkQueue<T>(options);
}

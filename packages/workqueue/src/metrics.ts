// Port of k8s.io/client-go/util/workqueue/metrics.go: the hooks a metrics backend (for example
// prom-client) implements to observe a queue, and the per-queue bookkeeping that feeds them.
import { monotonicNow, type Clock, type TimerHandle } from '@kubecache/core';

// Differs from client-go: one object of optional callbacks passed to each queue (no process-wide
// SetProvider, no metric objects per queue name), and durations in milliseconds, not seconds.
// client-go's named metrics on a MetricsProvider are built from these hooks in
// workqueue-metrics.ts (the queue option `metricsProvider`).
/**
 * Receives the metrics of one queue (client-go `MetricsProvider`). Every hook is optional; a
 * provider with no hooks costs nothing. Durations are milliseconds.
 *
 * Contract, matching client-go's default queue metrics:
 * - `add()` once per `add` that was not de-duplicated, then `depth(n)` with the new number of
 *   items waiting to be handed out (an item re-added while it is processed counts as waiting).
 * - `depth(n)` again and `queueLatency(ms)` when `get` hands an item out; the latency runs from
 *   the first `add` of the item since it was last handed out.
 * - `workDuration(ms)` when `done` is called for an item that was handed out.
 * - `unfinishedWork(ms)` (sum of the ages of all items being processed) and
 *   `longestRunningProcessor(ms)` (age of the oldest) every `metricsUpdatePeriodMs` while items
 *   are processed, and once with 0 when the last one is done. Not after shutdown.
 * - `retry()` for each `addAfter` / `addRateLimited` on a queue that is not shutting down.
 * - `attach(gauges)` once when the queue is created: the provider may read unfinished work and
 *   the longest-running item from `gauges` whenever it likes (on scrape), instead of or besides
 *   receiving them periodically. The function it returns is called when the queue shuts down.
 *
 * Hooks are called synchronously from the queue methods and should be cheap. A hook that throws
 * (or a provider whose properties cannot be read) does not break the queue: the exception is
 * caught, the queue's own bookkeeping goes on as if the hook had returned, and the first failure
 * of each hook is reported through the queue's `logger` (see `QueueOptions.logger`).
 */
export interface WorkqueueMetricsProvider {
  /** The number of items waiting to be handed out changed (a gauge). */
  depth?(depth: number): void;
  /** An item was added (de-duplicated adds are not counted). A counter. */
  add?(): void;
  /** An item waited `ms` milliseconds between its add and being handed out. A histogram. */
  queueLatency?(ms: number): void;
  /** An item was processed for `ms` milliseconds, from `get` to `done`. A histogram. */
  workDuration?(ms: number): void;
  /** Sum, in ms, of how long every item still being processed has been processed. A gauge. */
  unfinishedWork?(ms: number): void;
  /** How long, in ms, the longest-running item still being processed has been processed. A gauge. */
  longestRunningProcessor?(ms: number): void;
  /** An item was scheduled for a later add (`addAfter`, `addRateLimited`). A counter. */
  retry?(): void;
  /**
   * Hands over the queue's computed gauges (pull-based unfinished work); returns the function
   * that takes them back at shutdown.
   */
  attach?(gauges: WorkqueueGauges): () => void;
}

/** The hooks under their earlier name; identical to {@link WorkqueueMetricsProvider}. */
export type WorkqueueMetrics = WorkqueueMetricsProvider;

/** The default provider: observes nothing and starts no timers. */
export const noopMetricsProvider: WorkqueueMetricsProvider = Object.freeze({});

/** The names of the hooks of a {@link WorkqueueMetricsProvider}. */
export type WorkqueueMetricsHook = keyof WorkqueueMetricsProvider;

/** Metrics a queue computes when asked, independent of any provider. */
export interface WorkqueueGauges {
  /** Sum, in ms, of how long every item still being processed has been processed. */
  unfinishedWorkMs(): number;
  /** How long, in ms, the longest-running item still being processed has been processed. */
  longestRunningProcessorMs(): number;
}

/** Default of the `metricsUpdatePeriodMs` queue option: client-go's 500 ms. */
export const defaultMetricsUpdatePeriodMs = 500;

/**
 * The bookkeeping behind a queue's metrics (client-go `defaultQueueMetrics`): add times, start
 * times of items being processed, and the timer that reports unfinished work. Internal: the
 * queues create one each. Times are read with core's `monotonicNow` (`performance.now()` on the
 * real clock), so sub-millisecond queue and work durations are not rounded to 0. Every hook call
 * is guarded: an exception from the provider goes to `onHookError` and nowhere else.
 */
export class QueueMetrics<T> implements WorkqueueGauges {
  private readonly provider: WorkqueueMetricsProvider;
  private readonly clock: Clock;
  private readonly updatePeriodMs: number;
  private readonly reportsUnfinished: boolean;
  private readonly addTimes = new Map<T, number>();
  private readonly startTimes = new Map<T, number>();
  private timer: TimerHandle | undefined;
  private stopped = false;
  private detach: (() => void) | undefined;
  private readonly onHookError: (hook: WorkqueueMetricsHook, err: unknown) => void;

  /**
   * @param provider - the hooks.
   * @param clock - for durations and the reporting timer.
   * @param updatePeriodMs - period of `unfinishedWork` / `longestRunningProcessor`.
   * @param onHookError - receives every exception of a hook (it must not throw itself).
   */
  constructor(
    provider: WorkqueueMetricsProvider,
    clock: Clock,
    updatePeriodMs: number,
    onHookError: (hook: WorkqueueMetricsHook, err: unknown) => void = () => undefined,
  ) {
    this.provider = provider;
    this.clock = clock;
    this.updatePeriodMs = updatePeriodMs;
    this.onHookError = onHookError;
    this.reportsUnfinished = this.has('unfinishedWork') || this.has('longestRunningProcessor');
    const detach = this.call('attach', this);
    if (typeof detach === 'function') this.detach = detach as () => void;
  }

  /** An add that was not de-duplicated; `depth` is the new number of waiting items. */
  added(item: T, depth: number): void {
    if (!this.addTimes.has(item)) this.addTimes.set(item, monotonicNow(this.clock));
    this.call('add');
    this.call('depth', depth);
  }

  /** `item` was handed out; `depth` is the new number of waiting items. */
  handedOut(item: T, depth: number): void {
    const now = monotonicNow(this.clock);
    this.startTimes.set(item, now);
    const addedAt = this.addTimes.get(item);
    if (addedAt !== undefined) this.addTimes.delete(item);
    this.schedule();
    this.call('depth', depth);
    if (addedAt !== undefined) this.call('queueLatency', now - addedAt);
  }

  /** `item` is done. */
  finished(item: T): void {
    const startedAt = this.startTimes.get(item);
    if (startedAt === undefined) return;
    this.startTimes.delete(item);
    const workMs = monotonicNow(this.clock) - startedAt;
    const last = this.startTimes.size === 0 && this.timer !== undefined;
    if (last) {
      this.timer?.cancel();
      this.timer = undefined;
    }
    this.call('workDuration', workMs);
    if (last) this.report();
  }

  /** A delayed add was requested. */
  retried(): void {
    this.call('retry');
  }

  /** Stops periodic reporting for good (the queue shuts down) and releases the timer. */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    const detach = this.detach;
    this.detach = undefined;
    if (detach === undefined) return;
    try {
      detach();
    } catch (err) {
      this.onHookError('attach', err);
    }
  }

  unfinishedWorkMs(): number {
    const now = monotonicNow(this.clock);
    let total = 0;
    for (const t of this.startTimes.values()) total += now - t;
    return total;
  }

  longestRunningProcessorMs(): number {
    const now = monotonicNow(this.clock);
    let longest = 0;
    for (const t of this.startTimes.values()) longest = Math.max(longest, now - t);
    return longest;
  }

  // Differs from client-go: client-go ticks every period for the queue's whole life; here the
  // timer exists only while items are processed, so an idle queue holds no timer and never keeps
  // the process alive. The reported values are the same.
  private schedule(): void {
    if (!this.reportsUnfinished || this.stopped || this.timer !== undefined) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.stopped) return;
      this.report();
      if (this.startTimes.size > 0) this.schedule();
    }, this.updatePeriodMs);
  }

  private report(): void {
    this.call('unfinishedWork', this.unfinishedWorkMs());
    this.call('longestRunningProcessor', this.longestRunningProcessorMs());
  }

  /** Whether the provider has the hook (false when it cannot even be read). */
  private has(hook: WorkqueueMetricsHook): boolean {
    try {
      return typeof this.provider[hook] === 'function';
    } catch (err) {
      this.onHookError(hook, err);
      return false;
    }
  }

  /** Calls the hook when the provider has it; an exception goes to `onHookError`. */
  private call(hook: WorkqueueMetricsHook, ...args: unknown[]): unknown {
    try {
      const fn: unknown = Reflect.get(this.provider, hook);
      if (typeof fn !== 'function') return undefined;
      return Reflect.apply(fn, this.provider, args) as unknown;
    } catch (err) {
      this.onHookError(hook, err);
      return undefined;
    }
  }
}

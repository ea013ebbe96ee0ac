// kube-rs's controller debounce (kube-runtime `controller::Config::debounce`, applied in
// `scheduler.rs`): a key's reconcile waits until no new event for that key arrived for
// `debounceMs`, so that a burst of changes to one object becomes one reconcile.
import { monotonicNow, type Clock } from '@kubecache/core';
import { defaultPriority } from '@kubecache/workqueue';

/** What a {@link Debouncer} hands on when a key's quiet period ended. */
export type DebouncedAdd = (key: string, priority: number) => void;

/**
 * Holds keys until `debounceMs` passed without a new event for them, then hands each on once
 * (with the highest priority any of its events had; no priority counts as `defaultPriority`, 0).
 *
 * Contract:
 * - `add(key, priority)` starts the key's quiet period, or restarts it when the key is held:
 *   the key is handed on `debounceMs` after its **last** add (kube-rs resets the scheduled time
 *   of a debounced message the same way).
 * - Every key held is handed on exactly once per quiet period, in the order their periods end;
 *   `stop()` drops what is held (the queue is shutting down) and later adds are ignored.
 * - Cost: O(1) per add (a `Map` kept in deadline order: every period has the same length on a
 *   monotonic clock, so re-inserting a key moves it to the end) and one timer.
 *
 * Differs from kube-rs: only events are debounced (sources, `enqueue`, resyncs); a reconcile's
 * own requeue and its retries go to the queue at their time (kube-rs adds the debounce to those
 * too).
 */
export class Debouncer {
  private readonly clock: Clock;
  private readonly debounceMs: number;
  private readonly hand: DebouncedAdd;
  /** Held keys by deadline (insertion order = deadline order). */
  private readonly held = new Map<string, { due: number; priority: number }>();
  private timer: { cancel(): void } | undefined;
  private timerDue = Number.POSITIVE_INFINITY;
  private stopped = false;

  /**
   * @param options.debounceMs - the quiet period, in ms (> 0, finite).
   * @param options.clock - the clock of the deadlines and the timer.
   * @param options.add - called with each key whose quiet period ended.
   */
  constructor(options: { debounceMs: number; clock: Clock; add: DebouncedAdd }) {
    this.debounceMs = options.debounceMs;
    this.clock = options.clock;
    this.hand = options.add;
  }

  /** Keys held right now. */
  size(): number {
    return this.held.size;
  }

  /** Starts or restarts `key`'s quiet period; keeps the highest priority seen. */
  add(key: string, priority: number | undefined): void {
    if (this.stopped) return;
    const old = this.held.get(key);
    let p = priority ?? defaultPriority;
    if (old !== undefined) {
      this.held.delete(key);
      p = Math.max(p, old.priority);
    }
    this.held.set(key, { due: monotonicNow(this.clock) + this.debounceMs, priority: p });
    this.arm();
  }

  /** Drops every key held and cancels the timer; later adds are ignored. */
  stop(): void {
    this.stopped = true;
    this.held.clear();
    this.timer?.cancel();
    this.timer = undefined;
  }

  private arm(): void {
    const first = this.held.values().next();
    if (first.done === true) return;
    const due = first.value.due;
    if (this.timer !== undefined && this.timerDue <= due) return;
    this.timer?.cancel();
    this.timerDue = due;
    this.timer = this.clock.setTimeout(
      () => this.fire(),
      Math.max(0, due - monotonicNow(this.clock)),
    );
  }

  private fire(): void {
    this.timer = undefined;
    this.timerDue = Number.POSITIVE_INFINITY;
    const now = monotonicNow(this.clock);
    for (const [key, entry] of this.held) {
      if (entry.due > now) break;
      this.held.delete(key);
      this.hand(key, entry.priority);
      if (this.stopped) return;
    }
    this.arm();
  }
}

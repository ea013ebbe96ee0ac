// Port of k8s.io/client-go/util/workqueue/delaying_queue.go: adds an item after a delay, keeping
// one pending entry per item (the earliest ready time wins), with a binary heap and one timer.
import type { TimerHandle } from '@kubecache/core';
import { clampDelayMs } from './delay.js';
import { describeValue } from './errors.js';
import { WorkQueue, type Queue, type QueueOptions } from './queue.js';

/** Node's timers overflow above 2^31 - 1 ms and then fire at once; longer waits are re-armed. */
const maxTimerMs = 2 ** 31 - 1;

/**
 * A queue that can add an item later (client-go `DelayingInterface`).
 *
 * Contract:
 * - `addAfter(item, delayMs)` adds `item` once `delayMs` has passed on the queue's clock;
 *   `delayMs ≤ 0` (`-Infinity` included) adds it at once, as in client-go. It never throws:
 *   a delay longer than about 292 years (Go's longest `time.Duration`; `Infinity` included) is
 *   waited as that long, and a `delayMs` that is `NaN` or not a number adds the item at once
 *   and is reported once per queue through the queue's `logger`.
 * - At most one pending entry per item: a second `addAfter` of a waiting item keeps the earlier
 *   ready time. Waiting is independent of the queue itself: an item can wait while it is also
 *   queued or processed, and the later add is then de-duplicated like any `add`.
 * - Items whose time has come are added in ready-time order (equal times: any order).
 * - Every `addAfter` before shutdown counts as a retry in the metrics. After shutdown `addAfter`
 *   is ignored; shutdown drops the waiting items and cancels the queue's single timer.
 */
export interface DelayingInterface<T> extends Queue<T> {
  /** Adds `item` after `delayMs` milliseconds. */
  addAfter(item: T, delayMs: number): void;
}

interface Waiting<T> {
  item: T;
  readyAt: number;
  index: number;
}

/** The delaying queue. Create it with {@link createDelayingQueue}. */
export class DelayingQueue<T> extends WorkQueue<T> implements DelayingInterface<T> {
  /** Waiting entries, a binary min-heap on `readyAt`. */
  private readonly heap: Waiting<T>[] = [];
  private readonly byItem = new Map<T, Waiting<T>>();
  private timer: TimerHandle | undefined;
  /** The deadline the timer was armed for; Infinity when there is no timer. */
  private timerAt = Infinity;

  /** @param options - queue options (name, metrics, clock); see {@link QueueOptions}. */
  constructor(options: QueueOptions = {}) {
    super(options);
  }

  // Differs from client-go, where a time.Duration cannot be NaN or infinite: NaN (or a value
  // that is not a number) adds at once, like a delay ≤ 0, so the item is never lost, and is
  // reported; Infinity waits Go's longest Duration, what x/time/rate answers for "never".
  addAfter(item: T, delayMs: number): void {
    if (this.shuttingDown()) return;
    if (typeof delayMs !== 'number' || Number.isNaN(delayMs)) {
      this.reportOnce(
        'delay-not-a-number',
        { delayMs: describeValue(delayMs) },
        'addAfter got a delay that is not a number; the item is added at once',
      );
    }
    const wait = clampDelayMs(delayMs);
    this.metrics.retried();
    if (wait === 0) {
      this.add(item);
      return;
    }
    const readyAt = this.clock.now() + wait;
    const existing = this.byItem.get(item);
    if (existing) {
      if (readyAt < existing.readyAt) {
        existing.readyAt = readyAt;
        this.up(existing.index);
      }
    } else {
      const w: Waiting<T> = { item, readyAt, index: this.heap.length };
      this.heap.push(w);
      this.byItem.set(item, w);
      this.up(w.index);
    }
    this.arm();
  }

  /** The number of items waiting for their delay to pass. */
  waitingLen(): number {
    return this.heap.length;
  }

  override shutDown(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Infinity;
    this.heap.length = 0;
    this.byItem.clear();
    super.shutDown();
  }

  // Differs from client-go: no 10 s heartbeat ticker backs up the timer; the single timer is
  // exact, and waits beyond Node's timer limit are split into steps (fire() re-arms).
  private arm(): void {
    const next = this.heap[0];
    if (!next) return;
    if (this.timer && this.timerAt <= next.readyAt) return;
    this.timer?.cancel();
    this.timerAt = next.readyAt;
    const wait = Math.min(maxTimerMs, Math.max(0, next.readyAt - this.clock.now()));
    this.timer = this.clock.setTimeout(() => {
      this.fire();
    }, wait);
  }

  /** Adds every entry whose time has come, then re-arms for the next one. */
  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.clock.now();
    while (this.heap.length > 0 && this.heap[0]!.readyAt <= now) {
      const w = this.pop();
      this.byItem.delete(w.item);
      this.add(w.item);
    }
    this.arm();
  }

  private pop(): Waiting<T> {
    const top = this.heap[0]!;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      last.index = 0;
      this.down(0);
    }
    return top;
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.readyAt <= h[i]!.readyAt) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l]!.readyAt < h[m]!.readyAt) m = l;
      if (r < h.length && h[r]!.readyAt < h[m]!.readyAt) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(a: number, b: number): void {
    const h = this.heap;
    const x = h[a]!;
    const y = h[b]!;
    h[a] = y;
    h[b] = x;
    x.index = b;
    y.index = a;
  }
}

/** Creates a delaying queue (client-go `NewTypedDelayingQueueWithConfig`). */
export function createDelayingQueue<T>(options: QueueOptions = {}): DelayingQueue<T> {
  return new DelayingQueue<T>(options);
}

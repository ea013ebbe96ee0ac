// Port of k8s.io/client-go/util/workqueue/delaying_queue.go: adds an item after a delay, keeping
// one pending entry per item (the earliest ready time wins), with a binary heap and one timer.
import type { TimerHandle } from '@kubecache/core';
import { WorkQueue, type QueueOptions } from './queue.js';

interface Waiting<T> {
  item: T;
  readyAt: number;
  index: number;
}

/** A queue with `addAfter` (client-go `DelayingInterface`). */
export class DelayingQueue<T> extends WorkQueue<T> {
  private readonly heap: Waiting<T>[] = [];
  private readonly byItem = new Map<T, Waiting<T>>();
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;

  constructor(options: QueueOptions = {}) {
    super(options);
  }

  /** Adds `item` after `delayMs` (immediately when ≤ 0). A pending earlier time is kept. */
  addAfter(item: T, delayMs: number): void {
    if (this.shuttingDown()) return;
    if (delayMs <= 0) {
      this.add(item);
      return;
    }
    const readyAt = this.clock.now() + delayMs;
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

  /** Number of items waiting for their delay. */
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

  private arm(): void {
    const next = this.heap[0];
    if (!next) return;
    if (this.timer && this.timerAt <= next.readyAt) return;
    this.timer?.cancel();
    this.timerAt = next.readyAt;
    this.timer = this.clock.setTimeout(
      () => this.fire(),
      Math.max(0, next.readyAt - this.clock.now()),
    );
  }

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

/** Creates a delaying queue. */
export function createDelayingQueue<T>(options: QueueOptions = {}): DelayingQueue<T> {
  return new DelayingQueue<T>(options);
}

// A FIFO with O(1) push and shift, shared by the queues of kubecache (DeltaFIFO, RealFIFO,
// workqueue, informer listeners).

/**
 * A FIFO of values with O(1) push and shift (a head index over an array, compacted when the head
 * passes half of it) — `Array.prototype.shift` is O(n) on long queues.
 */
export class FastQueue<V> {
  private items: V[] = [];
  private head = 0;

  /** Number of queued values. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Appends a value. */
  push(value: V): void {
    this.items.push(value);
  }

  /** Removes and returns the first value. */
  shift(): V | undefined {
    if (this.head >= this.items.length) return undefined;
    const v = this.items[this.head];
    this.items[this.head] = undefined as V;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }

  /** Iterates the queued values in order. */
  *[Symbol.iterator](): IterableIterator<V> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as V;
  }

  /** Removes everything. */
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

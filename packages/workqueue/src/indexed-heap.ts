// A binary heap whose entries know their position, so that an entry can be removed or re-sorted
// in O(log n) after its key changed. controller-runtime's priority queue keeps its items in a
// btree (github.com/google/btree) for the same purpose; a heap suffices here because only the
// first entry is ever read.

/** An entry of an {@link IndexedHeap}: the heap keeps `heapIndex` up to date (-1 when absent). */
export interface HeapEntry {
  heapIndex: number;
}

/**
 * A binary min-heap ordered by `before`, with O(log n) `push`, `pop`, `remove` and `update`
 * (re-sort one entry after its key changed) and O(1) `peek`. Internal to this package.
 *
 * `before(a, b)` must be a strict order (irreflexive, transitive); entries that are equal under
 * it come out in no particular order, so give it a tie-breaker (an insertion counter) for FIFO.
 * An entry belongs to at most one heap at a time: its `heapIndex` is the heap's bookkeeping.
 */
export class IndexedHeap<E extends HeapEntry> {
  private readonly entries: E[] = [];
  private readonly before: (a: E, b: E) => boolean;

  /** @param before - true when `a` must come out before `b`. */
  constructor(before: (a: E, b: E) => boolean) {
    this.before = before;
  }

  /** The number of entries. */
  get size(): number {
    return this.entries.length;
  }

  /** The first entry, or `undefined` when the heap is empty. */
  peek(): E | undefined {
    return this.entries[0];
  }

  /** Adds `entry` (which must not be in a heap). */
  push(entry: E): void {
    entry.heapIndex = this.entries.length;
    this.entries.push(entry);
    this.up(entry.heapIndex);
  }

  /** Removes and returns the first entry, or `undefined` when the heap is empty. */
  pop(): E | undefined {
    const top = this.entries[0];
    if (top !== undefined) this.removeAt(0);
    return top;
  }

  /** Removes `entry` if it is in this heap; returns whether it was. */
  remove(entry: E): boolean {
    const i = entry.heapIndex;
    if (i < 0 || this.entries[i] !== entry) return false;
    this.removeAt(i);
    return true;
  }

  /** Restores the order after `entry`'s key changed (either way). */
  update(entry: E): void {
    const i = entry.heapIndex;
    if (i < 0 || this.entries[i] !== entry) return;
    this.up(i);
    this.down(entry.heapIndex);
  }

  /** Removes every entry. */
  clear(): void {
    for (const e of this.entries) e.heapIndex = -1;
    this.entries.length = 0;
  }

  /** Every entry, in no particular order. */
  values(): readonly E[] {
    return this.entries;
  }

  private removeAt(i: number): void {
    const h = this.entries;
    const removed = h[i]!;
    const last = h.pop()!;
    removed.heapIndex = -1;
    if (last === removed) return;
    h[i] = last;
    last.heapIndex = i;
    this.up(i);
    this.down(last.heapIndex);
  }

  private up(i: number): void {
    const h = this.entries;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(h[i]!, h[p]!)) return;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.entries;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.before(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.before(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(a: number, b: number): void {
    const h = this.entries;
    const x = h[a]!;
    const y = h[b]!;
    h[a] = y;
    h[b] = x;
    x.heapIndex = b;
    y.heapIndex = a;
  }
}

// The change history of the in-process API server's storage: every committed change in revision
// order, bounded, with compaction, as etcd keeps revisions for watch resume and consistent reads
// (kube-apiserver's storage: apiserver/pkg/storage/etcd3 and cacher). Revisions at or below the
// compacted one are gone: asking for them is 410 Expired.
import type { Entry } from './entry.js';
import { expired } from './status.js';

/** A change in history. `prev` is the entry before the change (MODIFIED, DELETED). */
export interface ChangeEvent {
  readonly rv: number;
  readonly resource: string;
  readonly key: string;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly entry: Entry;
  readonly prev: Entry | undefined;
}

/** Receives every committed change (the watch fan-out). */
export type ChangeListener = (ev: ChangeEvent) => void;

/**
 * The last `size` changes of every resource, oldest first. A change pushed beyond `size` drops
 * the oldest and compacts up to its revision.
 */
export class ChangeHistory {
  private events: ChangeEvent[] = [];
  private head = 0;
  /** Revisions at or below this are compacted away. */
  compactedRv = 0;

  /** How many changes are kept (all resources together). */
  readonly size: number;

  constructor(size: number) {
    this.size = size;
  }

  /** Appends a committed change (revisions only grow), dropping the oldest beyond `size`. */
  push(ev: ChangeEvent): void {
    this.events.push(ev);
    if (this.events.length - this.head > this.size) {
      const dropped = this.events[this.head]!;
      this.head++;
      this.compactedRv = Math.max(this.compactedRv, dropped.rv);
      this.trim();
    }
  }

  /** The changes with `rv > after` for `resource`, oldest first. Throws 410 if compacted. */
  after(resource: string, after: number): ChangeEvent[] {
    if (after < this.compactedRv) {
      throw expired(`too old resource version: ${after} (${this.compactedRv})`);
    }
    const out: ChangeEvent[] = [];
    // Binary search the first event with rv > after.
    let lo = this.head;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.events[mid]!.rv <= after) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.events.length; i++) {
      const ev = this.events[i]!;
      if (ev.resource === resource) out.push(ev);
    }
    return out;
  }

  /** Drops the changes up to revision `target`; nothing when it is already compacted. */
  compact(target: number): void {
    if (target <= this.compactedRv) return;
    this.compactedRv = target;
    while (this.head < this.events.length && this.events[this.head]!.rv <= target) this.head++;
    this.trim();
  }

  private trim(): void {
    if (this.head > 4096 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
  }
}

// "SYNCED" means the initial adds are out: the event handler has been handed every object of the
// initial list (its registration's hasSynced) AND a worker has handled every key those adds
// enqueued. The informer's own hasSynced turns true as soon as the cache holds the list, long
// before the workers printed it.

/** Tracks the keys of the initial list from the handler to the workers. */
export class InitialSync {
  private readonly pending = new Set<string>();
  private handlerSynced = false;
  private finished = false;
  private resolveDone!: () => void;
  /** Resolves once the initial adds are out. */
  readonly done: Promise<void> = new Promise((resolve) => (this.resolveDone = resolve));

  /** The handler enqueued `key` from an add; `isInInitialList` as the informer said. */
  added(key: string, isInInitialList: boolean): void {
    if (isInInitialList && !this.handlerSynced) this.pending.add(key);
  }

  /** A worker handled `key` (printed it, or failed and requeued it). */
  handled(key: string): void {
    if (this.pending.delete(key)) this.check();
  }

  /** The handler's registration has synced: every initial add has been through `added`. */
  handlerHasSynced(): void {
    this.handlerSynced = true;
    this.check();
  }

  /** Whether the initial adds are out. */
  isDone(): boolean {
    return this.finished;
  }

  private check(): void {
    if (this.finished || !this.handlerSynced || this.pending.size > 0) return;
    this.finished = true;
    this.resolveDone();
  }
}

// What the Reflector's parts (list, WatchList, watch loop, event handler) share: the resource
// version state, the store, options, clock, logger, error reporting and backoff. Internal.
import {
  Backoff,
  realClock,
  silentLogger,
  sleep,
  type Clock,
  type KubeObject,
  type Logger,
} from '@kubecache/core';
import { isApiStatusError, type ListerWatcher } from '@kubecache/listwatch';
import type { Store } from '@kubecache/store';
import { ReflectorError } from './errors.js';
import { StaleListGuard, type ResourceVersionState } from './list-rv.js';
import { defaultStaleListRetries, type ReflectorOptions, type ReflectorStats } from './options.js';
import type { Reflector } from './reflector.js';

/** The Reflector's shared state and helpers (one per Reflector). */
export class ReflectorContext<T> {
  readonly name: string;
  readonly lw: ListerWatcher<T>;
  readonly store: Store<T>;
  readonly opts: ReflectorOptions<T>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random: () => number;
  readonly backoff: Backoff;
  readonly staleGuard: StaleListGuard;
  readonly rv: ResourceVersionState = { lastSync: '', unavailable: false, paginatedResult: false };
  readonly stats: ReflectorStats = {
    lists: 0,
    relists: 0,
    watches: 0,
    events: 0,
    lastEventAt: 0,
    errors: 0,
  };
  /** A LIST or WatchList sync completed at least once (later ones are relists). */
  listedOnce = false;
  private readonly owner: Reflector<T>;

  constructor(
    owner: Reflector<T>,
    lw: ListerWatcher<T>,
    store: Store<T>,
    options: ReflectorOptions<T>,
  ) {
    this.owner = owner;
    this.lw = lw;
    this.store = store;
    this.opts = options;
    this.name = options.name ?? lw.description ?? 'reflector';
    this.clock = options.clock ?? realClock;
    this.logger = options.logger ?? silentLogger;
    this.random = options.random ?? Math.random;
    this.backoff = new Backoff(options.backoff ?? {}, { clock: this.clock, random: this.random });
    this.staleGuard = new StaleListGuard(options.staleListRetries ?? defaultStaleListRetries);
  }

  /** Records `rv` as the synced resource version (ignores `''`). */
  setLastSyncRv(rv: string): void {
    if (rv !== '') this.rv.lastSync = rv;
  }

  /** Counts a LIST / WatchList sync start. */
  countList(): void {
    if (this.listedOnce) this.stats.relists++;
    this.stats.lists++;
  }

  /** A random server-side watch timeout in [min, 2×min) seconds (client-go). */
  watchTimeoutSeconds(): number {
    const min = this.opts.minWatchTimeoutSeconds ?? 300;
    return Math.floor(min * (this.random() + 1));
  }

  /** The next backoff delay, stretched to the server's Retry-After when it sent one. */
  nextDelay(err: unknown): number {
    const base = this.backoff.next();
    const retryAfter = isApiStatusError(err) ? err.retryAfterSeconds : undefined;
    return retryAfter !== undefined ? Math.max(base, retryAfter * 1000) : base;
  }

  /** Sleeps for the next backoff delay; returns early (without throwing) when aborted. */
  async backoffSleep(err: unknown, signal: AbortSignal): Promise<void> {
    try {
      await sleep(this.nextDelay(err), { clock: this.clock, signal });
    } catch {
      // aborted: the caller checks the signal
    }
  }

  /** Validates an object from the server; returns it (transformed) or undefined when skipped. */
  checkObject(obj: T, source: 'list' | 'watch'): T | undefined {
    const o = obj as KubeObject | null;
    if (
      typeof o !== 'object' ||
      o === null ||
      typeof o.metadata !== 'object' ||
      o.metadata === null
    ) {
      this.report(
        new ReflectorError(
          'object',
          `${this.name}: ${source} returned an object without metadata; skipped`,
        ),
      );
      return undefined;
    }
    const expected = this.opts.expectedKind ?? this.lw.expectedKind;
    if (
      expected !== undefined &&
      o.kind !== undefined &&
      o.kind !== expected &&
      o.kind !== 'PartialObjectMetadata'
    ) {
      this.report(
        new ReflectorError(
          'wrong-kind',
          `${this.name}: expected kind ${expected}, got ${o.kind} (${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}); skipped`,
        ),
      );
      return undefined;
    }
    const t = this.opts.transform;
    if (t && !(this.store as { transformsObjects?: boolean }).transformsObjects) return t(obj);
    return obj;
  }

  /** Counts, logs (warn) and hands `err` to the watch error handler (which may not throw). */
  report(err: Error, during?: string): void {
    this.stats.errors++;
    this.logger.warn({ reflector: this.name, during, err: err.message }, 'reflector error');
    this.callHandler(err);
  }

  /** Like {@link report}, logged at error level: for what an operator must see. */
  reportLoudly(err: Error, fields: Record<string, unknown>): void {
    this.stats.errors++;
    this.logger.error({ reflector: this.name, ...fields, err: err.message }, err.message);
    this.callHandler(err);
  }

  private callHandler(err: Error): void {
    try {
      this.opts.watchErrorHandler?.(this.owner, err);
    } catch (hookErr) {
      this.logger.error(
        {
          reflector: this.name,
          err: hookErr instanceof Error ? hookErr.message : String(hookErr),
        },
        'watchErrorHandler threw',
      );
    }
  }
}

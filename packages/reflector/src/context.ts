// What the Reflector's parts (list, WatchList, watch loop, event handler) share: the resource
// version state, the store, options, clock, logger, error reporting and backoff. Internal.
import {
  Backoff,
  createReflectorMetrics,
  createRateLimitedLogger,
  defaultLogger,
  noopReflectorMetrics,
  realClock,
  sleep,
  type Clock,
  type KubeObject,
  type Logger,
  type ReflectorMetrics,
  type RelistReason,
} from '@kubecache/core';
import { isApiStatusError, type ListerWatcher } from '@kubecache/listwatch';
import type { Store } from '@kubecache/store';
import { ReflectorError, isPermanentError } from './errors.js';
import { StaleListGuard, type ResourceVersionState } from './list-rv.js';
import { defaultStaleListRetries, type ReflectorOptions, type ReflectorStats } from './options.js';
import type { Reflector } from './reflector.js';

/** What one list (LIST or WatchList initial events) kept and skipped, for the kind check. */
interface ListTally {
  kept: number;
  wrongKind: number;
  /** The first wrong kind seen and one object of it, for the message. */
  example: string;
}

/** Suffix of the message of every report about an error retrying cannot fix. */
export const PERMANENT_SUFFIX = ' (will not fix itself)';

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
  /** Metrics hooks (no-ops by default). */
  readonly metrics: ReflectorMetrics;
  /** The last error reported since the last successful list or watch start. */
  lastError: Error | undefined;
  /** Clock time of the first error since the last success; undefined while healthy. */
  failingSince: number | undefined;
  /** Clock time of the last successful list (LIST or WatchList sync); 0 before any. */
  lastListAt = 0;
  /** True while a watch stream is being read (after the initial sync). */
  watching = false;
  /** Which step the current round is in, for the message of the error that ends it. */
  step: 'list' | 'watch' = 'list';
  /** Why the next list is a relist (for `metrics.relist`). */
  relistReason: RelistReason = 'watch-error';
  /** Lists started in the current `run` (the first one is not a relist). */
  listsThisRun = 0;
  /** True once an object of the expected kind was seen (a stray of another kind is then skipped). */
  kindSeen = false;
  /** The tally of the list in progress (reset by {@link startListTally}). */
  tally: ListTally = { kept: 0, wrongKind: 0, example: '' };
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
    // One policy for every logger: a user's (pino) gets the default logger's repeat limiting and
    // stacks too; the Reflector flushes it when `run` ends.
    this.logger = createRateLimitedLogger(options.logger ?? defaultLogger, { clock: this.clock });
    this.metrics =
      options.metrics ??
      (options.metricsProvider !== undefined
        ? createReflectorMetrics(options.metricsProvider, this.name)
        : noopReflectorMetrics);
    this.random = options.random ?? Math.random;
    this.backoff = new Backoff(options.backoff ?? {}, { clock: this.clock, random: this.random });
    this.staleGuard = new StaleListGuard(options.staleListRetries ?? defaultStaleListRetries);
  }

  /** Records `rv` as the synced resource version (ignores `''`). */
  setLastSyncRv(rv: string): void {
    if (rv !== '') this.rv.lastSync = rv;
  }

  /** Counts a LIST / WatchList sync start (and reports a relist to the metrics). */
  countList(): void {
    if (this.listedOnce) this.stats.relists++;
    this.stats.lists++;
    if (this.listsThisRun++ > 0) this.metrics.relist?.(this.relistReason);
    this.relistReason = 'list-error'; // until a watch says otherwise
    this.tally = { kept: 0, wrongKind: 0, example: '' };
  }

  /** A list synced the store or a watch opened: the Reflector is healthy again. */
  succeeded(): void {
    this.lastError = undefined;
    this.failingSince = undefined;
  }

  /**
   * After a list collected its items: when every object of the list was of another kind than
   * expected, the `kind` option is wrong — a configuration error, thrown (never "synced" with an
   * empty store while dropping everything).
   */
  checkKindMismatch(): void {
    const t = this.tally;
    if (t.wrongKind === 0) return;
    const expected = this.opts.expectedKind ?? this.lw.expectedKind ?? '';
    if (t.kept === 0) {
      // Name where the kind was set: a defineResource definition is not a "kind option".
      const check =
        this.opts.expectedKind !== undefined
          ? 'the expectedKind option'
          : this.lw.expectedKindSource !== undefined
            ? `the kind in ${this.lw.expectedKindSource}`
            : 'the kind option';
      throw new ReflectorError(
        'kind-mismatch',
        `expected kind ${expected} but the server sent ${t.example}; ` +
          `${t.wrongKind === 1 ? 'the only object was' : `all ${String(t.wrongKind)} objects were`} ` +
          `skipped: check ${check}`,
      );
    }
    this.note(
      new ReflectorError(
        'wrong-kind',
        `expected kind ${expected}, got ${t.example}` +
          (t.wrongKind > 1 ? ` and ${String(t.wrongKind - 1)} more` : '') +
          '; skipped',
      ),
    );
  }

  /** A random server-side watch timeout in [min, 2×min) seconds (client-go). */
  watchTimeoutSeconds(): number {
    const min = this.opts.minWatchTimeoutSeconds ?? 300;
    return Math.floor(min * (this.random() + 1));
  }

  /** The next backoff delay, stretched to the server's Retry-After when it sent one. */
  nextDelay(err: unknown): number {
    const base = Math.round(this.backoff.next());
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
      this.note(
        new ReflectorError('object', `${source} returned an object without metadata; skipped`),
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
      const what = `${o.kind} (${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''})`;
      if (source === 'list') {
        // Judged once the list is complete: checkKindMismatch.
        if (this.tally.wrongKind++ === 0) this.tally.example = what;
        return undefined;
      }
      const skipped = `expected kind ${expected}, got ${what}; skipped`;
      // Before any object of the expected kind: most likely the `kind` option is wrong.
      if (this.kindSeen) this.note(new ReflectorError('wrong-kind', skipped));
      else this.report(new ReflectorError('kind-mismatch', skipped), 'object skipped');
      return undefined;
    }
    if (expected !== undefined && o.kind === expected) this.kindSeen = true;
    if (source === 'list') this.tally.kept++;
    const t = this.opts.transform;
    if (t && !(this.store as { transformsObjects?: boolean }).transformsObjects) return t(obj);
    return obj;
  }

  /**
   * Counts, logs and hands `err` to the watch error handler (which may not throw). Logged as
   * `logger.warn({ component: 'reflector', resource, err, ...fields }, msg)`; an error retrying
   * cannot fix ({@link isPermanentError}) is logged at error level, with
   * ` (will not fix itself)` after `msg`. `level: 'info'` is for what happens in normal
   * operation (a 410 on a watch: client-go logs it at V(4)). Not healthy until the next
   * {@link succeeded}.
   */
  report(
    err: Error,
    msg: string,
    fields: Record<string, unknown> = {},
    level: 'info' | 'warn' = 'warn',
  ): void {
    this.stats.errors++;
    this.lastError = err;
    this.failingSince ??= this.clock.now();
    const line = { component: 'reflector', resource: this.name, err, ...fields };
    if (isPermanentError(err)) this.logger.error(line, msg + PERMANENT_SUFFIX);
    else this.logger[level](line, msg);
    this.callHandler(err);
  }

  /**
   * Reports a problem with one object (skipped, or not applied): logged (warn, `object skipped`)
   * and handed to the watch error handler, without marking the Reflector as failing.
   */
  note(err: Error, msg = 'object skipped'): void {
    this.stats.errors++;
    this.logger.warn({ component: 'reflector', resource: this.name, err }, msg);
    this.callHandler(err);
  }

  /** Like {@link report}, logged at error level: for what an operator must see. */
  reportLoudly(err: Error, msg: string, fields: Record<string, unknown> = {}): void {
    this.stats.errors++;
    this.lastError = err;
    this.failingSince ??= this.clock.now();
    this.logger.error({ component: 'reflector', resource: this.name, err, ...fields }, msg);
    this.callHandler(err);
  }

  /**
   * Reports, at error level, that a list answer older than the synced resource version is being
   * accepted after `staleListRetries` retries (kind `resource-version-reset`): the server keeps
   * answering from the past, as after a restore from an older etcd backup.
   */
  reportResourceVersionReset(listRv: string, syncedRv: string): void {
    this.reportLoudly(
      new ReflectorError(
        'resource-version-reset',
        `the server keeps answering at RV ${listRv}, older than the synced RV ${syncedRv}, ` +
          `after ${String(this.staleGuard.maxRetries)} retries; accepting its state as the new truth ` +
          `(was the cluster restored from an older etcd backup?)`,
      ),
      'resource version reset',
      { listRv, syncedRv },
    );
  }

  private callHandler(err: Error): void {
    try {
      this.opts.watchErrorHandler?.(this.owner, err);
    } catch (hookErr) {
      this.logger.error(
        { component: 'reflector', resource: this.name, err: hookErr },
        'watchErrorHandler threw',
      );
    }
  }
}

// The Reflector's options, lifecycle hooks and counters (client-go's ReflectorOptions plus the
// public fields it sets after construction: WatchListPageSize, ShouldResync, UseWatchList, …).
import type {
  BackoffOptions,
  Clock,
  Logger,
  MetricsProvider,
  ReflectorMetrics,
} from '@kubecache/core';
import type { TransformFunc } from '@kubecache/store';
import type { Reflector } from './reflector.js';

/** Why a watch ended, as reported to {@link ReflectorEvents.onWatchEnd}. */
export type WatchEndReason =
  | 'closed'
  | 'expired'
  | 'error'
  | 'decode-error'
  | 'too-many-requests'
  | 'internal-error'
  | 'aborted'
  | 'initial-events-end';

/** Lifecycle hooks (observational: they never change what the Reflector does). */
export interface ReflectorEvents {
  /** A LIST (or WatchList) starts at `resourceVersion` with `pageSize` (0 = unpaged). */
  onListStart?(info: { resourceVersion: string; pageSize: number }): void;
  /** A LIST (or WatchList) finished and the store was replaced. */
  onListEnd?(info: {
    items: number;
    resourceVersion: string;
    durationMs: number;
    paginated: boolean;
  }): void;
  /** A watch was opened from `resourceVersion`. */
  onWatchStart?(info: {
    resourceVersion: string;
    timeoutSeconds: number;
    sendInitialEvents: boolean;
  }): void;
  /** A watch ended. */
  onWatchEnd?(info: {
    reason: WatchEndReason;
    events: number;
    durationMs: number;
    error?: Error;
  }): void;
}

/** Default number of retries of a list answered older than the last synced RV. */
export const defaultStaleListRetries = 5;
/** Default deadline of the WatchList `k8s.io/initial-events-end` bookmark, in ms. */
export const defaultWatchListTimeoutMs = 60_000;

/** Options of {@link Reflector}. */
export interface ReflectorOptions<T> {
  /** Name used in logs and errors. Default: the ListerWatcher's description. */
  name?: string;
  /** Call `store.resync()` this often, in ms. 0 = never (default). */
  resyncPeriodMs?: number;
  /** Consulted before each periodic resync. Default: always resync. */
  shouldResync?: () => boolean;
  /**
   * Page size for LISTs (client-go `WatchListPageSize`). Default 0 = client-go's rules: pages of
   * 500 for consistent reads (RV "") and RV="0" lists; no paging when relisting at a specific RV
   * (so the watch cache can serve it) unless the initial RV="0" list came back paginated, which
   * means the server pages such lists (no watch cache): then every later list is paged too.
   */
  pageSize?: number;
  /**
   * Applied to each listed item as its page arrives; the result is kept instead. The informers
   * pass one that returns the cached instance of an object whose uid and resourceVersion did not
   * change, so that a relist does not hold a second copy of every unchanged object until the end
   * of the LIST. Differs from client-go: its Reflector keeps every listed item until `Replace`.
   */
  mapListItem?: (item: T) => T;
  /**
   * Sync with WatchList (a streaming initial list: a watch with `sendInitialEvents=true` ending
   * at the `k8s.io/initial-events-end` bookmark) instead of LIST, when the ListerWatcher supports
   * it (`supportsWatchList`, true for `createListWatch`). Default **true**, as client-go ≥ 1.35
   * (the `WatchListClient` feature). If the server rejects the request (e.g. 4xx from a server
   * without the feature) or does not send the end bookmark within `watchListTimeoutMs`, the
   * Reflector lists instead, and every Reflector over the same ListerWatcher keeps listing from
   * then on (logged once). Transient failures (connection refused, 429, 5xx, resets) do not
   * count: they are retried after backoff.
   */
  useWatchList?: boolean;
  /** Deadline for the `k8s.io/initial-events-end` bookmark, in ms. Default 60 000. */
  watchListTimeoutMs?: number;
  /**
   * client-go's WatchList data consistency detector: after each WatchList sync, LIST at exactly
   * the synced resource version and compare with what the stream delivered (by uid, ignoring
   * `kind`/`apiVersion`); a difference is logged at error level and reported as a
   * `ReflectorError` of kind `watchlist-inconsistent`. Costs one extra LIST per WatchList sync:
   * meant for CI and tests. Default: on when the environment variable
   * `KUBE_WATCHLIST_INCONSISTENCY_DETECTOR` is true (`1`, `t`, `true`, as Go's ParseBool), as in
   * client-go. Differs from client-go: no panic — the process keeps running.
   */
  checkWatchListConsistency?: boolean;
  /**
   * How many times a LIST (or WatchList) answered at a resource version older than the one the
   * Reflector already synced to is retried — after backoff, as a consistent read — before the
   * answer is accepted as the new truth (logged at error level). Such answers come from a lagging
   * cache (retrying helps) or from a server restored from an older etcd backup (it never will).
   * Default 5 (with the default backoff: roughly 25 s to 50 s of retrying). `Infinity` never
   * accepts an older list. Only resource versions that are both integers are compared.
   * Differs from client-go, which has no such guard.
   */
  staleListRetries?: number;
  /** Minimum server-side watch timeout in seconds; each watch uses a random value in [min, 2×min). Default 300. */
  minWatchTimeoutSeconds?: number;
  /** How long internal errors (HTTP 500) on a watch are retried without a relist, in ms. Default 0 (as client-go). */
  maxInternalErrorRetryDurationMs?: number;
  /** Expected `kind` of objects; others are reported and skipped. Default: the ListerWatcher's `expectedKind`. */
  expectedKind?: string;
  /** Applied to each object before it is stored, unless the store transforms itself. */
  transform?: TransformFunc<T>;
  /** Backoff between attempts. Default: 800 ms ×2 up to 30 s, jitter 1.0, reset after 2 min. */
  backoff?: BackoffOptions;
  /** Clock for every timer. Default: the real clock. */
  clock?: Clock;
  /**
   * Pino-shaped logger. Default: core's `defaultLogger` — warnings and errors to stderr, one line
   * per cause per 30 s, redacted (`kubecache warn reflector pods.v1: list failed: …`). Pass
   * `silentLogger` to print nothing. A logger given here (pino) is wrapped with core's
   * `createRateLimitedLogger` (the first call of a cause with its `err`, repeats as one call per
   * 30 s with `repeated`); the Reflector flushes it when `run` ends.
   */
  logger?: Logger;
  /**
   * Metrics hooks (see core's `ReflectorMetrics`). Default: made from `metricsProvider` with
   * `createReflectorMetrics(metricsProvider, name)`, else none.
   */
  metrics?: ReflectorMetrics;
  /** Where the default `metrics` are created (e.g. `@kubecache/prometheus`). Default: none. */
  metricsProvider?: MetricsProvider;
  /**
   * What to do about an error retrying cannot fix (`isPermanentError`: 400 such as an invalid
   * selector, 401, 403, 404 unknown resource, 422, or objects of another kind than configured):
   * - `'retry'` (default, as client-go): report it (marked "will not fix itself") and retry with
   *   backoff — RBAC, credentials and CRDs can change while the Reflector waits;
   * - `'stop'`: report it once and make `run` reject with a `PermanentFailureError` (for CLIs and
   *   jobs that should fail fast).
   */
  onPermanentError?: 'retry' | 'stop';
  /**
   * Called with every error the Reflector handles (list/watch failures, skipped objects, stale
   * lists). It is observational: the Reflector keeps retrying whatever the handler does.
   */
  watchErrorHandler?: (reflector: Reflector<T>, err: Error) => void;
  /** Lifecycle hooks. */
  events?: ReflectorEvents;
  /** Random source in [0, 1) for timeouts and jitter. Default Math.random. */
  random?: () => number;
}

/** Counters for metrics. */
export interface ReflectorStats {
  /** LISTs and WatchList syncs started. */
  lists: number;
  /** Of which after the first. */
  relists: number;
  /** Watches opened (WatchList streams included). */
  watches: number;
  /** Watch events applied to the store. */
  events: number;
  /** Clock time of the last watch event, or 0. */
  lastEventAt: number;
  /** Errors reported. */
  errors: number;
}

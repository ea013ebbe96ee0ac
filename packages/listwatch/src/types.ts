// The ListerWatcher contract (client-go tools/cache/listwatch.go + apimachinery pkg/watch).
import type { KubeList, KubeObject, Status } from '@kubecache/core';

/**
 * Options of a LIST or WATCH request (metav1.ListOptions). Selectors set on the ListerWatcher
 * itself are merged in by it; callers (the Reflector) set the rest.
 */
export interface ListOptions {
  /** Opaque resource version. `undefined`/`''` = most recent (quorum), `'0'` = any. */
  resourceVersion?: string;
  /** How `resourceVersion` applies to a list: `NotOlderThan` or `Exact`. */
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
  /** Page size for a list; 0/undefined = no paging. */
  limit?: number;
  /** Continue token of the previous page. */
  continue?: string;
  /** Server-side watch timeout in seconds. */
  timeoutSeconds?: number;
  /** Ask for BOOKMARK events on a watch. */
  allowWatchBookmarks?: boolean;
  /** WatchList: send initial events, then a bookmark annotated `k8s.io/initial-events-end`. */
  sendInitialEvents?: boolean;
  /** Extra label selector, ANDed with the ListerWatcher's own. */
  labelSelector?: string;
  /** Extra field selector, ANDed with the ListerWatcher's own. */
  fieldSelector?: string;
}

/** One event of a watch stream. ERROR events never appear here: they end the stream as an ApiStatusError. */
export type WatchEvent<T = KubeObject> =
  { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T } | { type: 'BOOKMARK'; object: T };

/** The raw ERROR payload, for decoders that want to keep it. */
export interface WatchErrorEvent {
  type: 'ERROR';
  object: Status;
}

/**
 * An open watch: an async iterable of events. Iteration ends normally when the server closes the
 * stream; it throws a typed error (ApiStatusError for ERROR events, WatchDecodeError for a bad
 * line, WatchIdleTimeoutError when no bytes arrive in time, a connection error otherwise).
 * `stop()` ends the iteration and releases the socket; it is idempotent.
 */
export interface WatchStream<T = KubeObject> extends AsyncIterable<WatchEvent<T>> {
  stop(): void;
}

/**
 * Lists and watches one resource (client-go `ListerWatcher`).
 *
 * Contract: `list` returns one page when `options.limit` is set (with `metadata.continue`), or
 * everything otherwise; `watch` resolves once the response headers arrived (HTTP errors reject
 * as ApiStatusError). Both honour `signal`: aborting rejects with an abort error and releases
 * the socket.
 */
export interface ListerWatcher<T = KubeObject> {
  list(options: ListOptions, signal?: AbortSignal): Promise<KubeList<T>>;
  watch(options: ListOptions, signal?: AbortSignal): Promise<WatchStream<T>>;
  /**
   * Whether list calls may be paged by the caller (client-go `ListWatch.DisableChunking` inverted).
   * Default true.
   */
  readonly supportsPaging?: boolean;
  /** Whether `sendInitialEvents` watches may be attempted (WatchList). Default: true for API servers. */
  readonly supportsWatchList?: boolean;
  /** Human-readable description for logs, e.g. `pods.v1` or `/api/v1/namespaces/x/pods`. */
  readonly description?: string;
  /** Expected kind of the items, e.g. `Pod`; objects of another kind are rejected by the Reflector. */
  readonly expectedKind?: string;
}

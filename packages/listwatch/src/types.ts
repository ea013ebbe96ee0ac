// Port of the ListerWatcher contract of k8s.io/client-go/tools/cache/listwatch.go and of
// watch.Interface / watch.Event in k8s.io/apimachinery/pkg/watch/watch.go.
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
 * An open watch (apimachinery `watch.Interface`): an async iterable of events, in server order.
 *
 * Contract: iteration ends normally (`done`) when the server ends the response (e.g. at
 * `timeoutSeconds`) or after `stop()`. Otherwise it throws, after delivering every event decoded
 * before the failure: ApiStatusError for an ERROR event (e.g. 410 Expired), WatchDecodeError for
 * a line that cannot be decoded (carrying the last good resource version), WatchIdleTimeoutError
 * when no bytes arrive in time, AbortedError when the signal given to `watch()` fires, or the
 * connection error (e.g. ECONNRESET). `stop()` is idempotent, discards undelivered events and
 * releases the socket; breaking out of `for await` does the same. Iterate a stream once.
 */
export interface WatchStream<T = KubeObject> extends AsyncIterable<WatchEvent<T>> {
  stop(): void;
  /**
   * Optional: the next event if one is already decoded, else `undefined` (never waits, never
   * throws: the end of the stream and its failure are reported by the iterator). Lets a consumer
   * take a burst of events without a promise per event; mixing it with the iterator keeps the
   * order, provided no `next()` call is outstanding.
   */
  poll?(): WatchEvent<T> | undefined;
}

/** Per-call hooks of {@link ListerWatcher.list}, for listers that decode items one by one. */
export interface ListHooks<T = KubeObject> {
  /**
   * Applied to each item as soon as it is decoded; the result is kept in the list instead. Lets
   * a caller swap in an instance it already holds, so the fresh copy is garbage at once instead
   * of at the end of a (possibly huge) page. It may also see items of a list that fails later,
   * so it must not change anything the caller cannot drop.
   *
   * Declared as a method so that `ListerWatcher<Pod>` stays assignable to `ListerWatcher<unknown>`
   * (method parameters are bivariant), as a `Reflector` over an untyped store needs.
   */
  mapItem?(this: void, item: T): T;
}

/** Per-call hooks of {@link ListerWatcher.watch}, for watchers that decode events one by one. */
export interface WatchHooks<T = KubeObject> {
  /**
   * Applied to the object of each ADDED and MODIFIED event as soon as it is decoded, until the
   * bookmark that ends a WatchList's initial events (`k8s.io/initial-events-end`); the event
   * carries the result instead. As for {@link ListHooks.mapItem}: lets a caller swap in an
   * instance it already holds (a WatchList relist's unchanged objects), so the fresh copy is
   * garbage at once and is not worked on further (not interned); it must not change anything the
   * caller cannot drop.
   */
  mapItem?(this: void, item: T): T;
}

/**
 * Lists and watches one resource (client-go `ListerWatcher`).
 *
 * Contract: `list` returns one page when `options.limit` is set (with `metadata.continue` if more
 * remain), or everything otherwise, always with `metadata.resourceVersion`; `watch` resolves once
 * the response headers arrived (HTTP errors reject as ApiStatusError). Both honour `signal`:
 * aborting rejects (or ends the stream) with an abort error and releases the socket. The
 * ListerWatcher's own selectors are ANDed with those in `options`.
 */
export interface ListerWatcher<T = KubeObject> {
  /**
   * Lists (one page when `options.limit` is set). `hooks` is honoured only by listers that
   * declare `supportsListHooks`; others ignore it.
   */
  list(options: ListOptions, signal?: AbortSignal, hooks?: ListHooks<T>): Promise<KubeList<T>>;
  /**
   * Watches. `hooks` is honoured only by watchers that declare `supportsWatchHooks`; others
   * ignore it.
   */
  watch(options: ListOptions, signal?: AbortSignal, hooks?: WatchHooks<T>): Promise<WatchStream<T>>;
  /**
   * Whether list calls may be paged by the caller (client-go `ListWatch.DisableChunking` inverted).
   * Default true.
   */
  readonly supportsPaging?: boolean;
  /**
   * Whether `list` applies `hooks.mapItem` to each item while it decodes the body (then callers
   * must not map the items again). Default false.
   */
  readonly supportsListHooks?: boolean;
  /**
   * Whether `watch` applies `hooks.mapItem` to each ADDED and MODIFIED event's object (up to the
   * end of a WatchList's initial events) while it decodes the stream (then callers need not map
   * them again). Default false.
   */
  readonly supportsWatchHooks?: boolean;
  /** Whether `sendInitialEvents` watches may be attempted (WatchList). Default: true for API servers. */
  readonly supportsWatchList?: boolean;
  /** Human-readable description for logs, e.g. `pods.v1` or `/api/v1/namespaces/x/pods`. */
  readonly description?: string;
  /** Expected kind of the items, e.g. `Pod`; objects of another kind are rejected by the Reflector. */
  readonly expectedKind?: string;
  /**
   * Where `expectedKind` came from, named by the Reflector when no listed object has that kind,
   * e.g. `the defineResource definition of widgets.v1.example.com`. Default: `the kind option`.
   */
  readonly expectedKindSource?: string;
}

// The metrics a Reflector reports, after client-go's tools/cache/reflector_metrics.go (lists,
// list duration, items per list, watches, short watches, watch duration, items per watch, last
// resource version; label `name`), plus what client-go's klog lines say but its metrics do not:
// why each watch ended, why a relist happened, list failures, events by type, decode errors.
// Defined here, not in @kubecache/reflector, so a metrics backend needs no dependency on it.
import { summarizeError } from './describe-error.js';
import {
  exponentialBuckets,
  type CollectRegistration,
  type MetricsProvider,
  type Sample,
} from './metrics.js';

/**
 * Why a watch ended (the `reason` label of `reflector_watch_ends_total`); the reflector's own
 * `WatchEndReason` plus `very-short`:
 * - `closed`: the server ended the stream normally (its `timeoutSeconds` passed, or it closed).
 * - `very-short`: the server closed it within a second without any event (client-go's
 *   `VeryShortWatchError`); counted in `reflector_short_watches_total` too.
 * - `expired`: a 410 (`Expired`/`Gone`) arrived; the reflector relists.
 * - `too-many-requests`: a 429 ended it; the reflector backs off and rewatches.
 * - `internal-error`: a 500 ended it.
 * - `decode-error`: a line of the stream could not be decoded.
 * - `error`: anything else: connection reset, idle timeout, other HTTP or network errors.
 * - `initial-events-end`: a WatchList stream missed or mishandled its end-of-initial-events
 *   bookmark.
 * - `aborted`: the reflector's AbortSignal fired.
 */
export type WatchEndReason =
  | 'closed'
  | 'very-short'
  | 'expired'
  | 'too-many-requests'
  | 'internal-error'
  | 'decode-error'
  | 'error'
  | 'initial-events-end'
  | 'aborted';

/**
 * Why the reflector lists again after its first list (the `reason` label of
 * `reflector_relists_total`):
 * - `expired`: a watch or list said 410 (resource version too old).
 * - `too-large-resource-version`: the server has not reached the requested resource version.
 * - `very-short-watch`: the server closed a watch at once without events.
 * - `internal-error`: watches kept failing with 500 beyond the retry window.
 * - `watch-error`: any other watch failure that ends in a relist.
 * - `list-error`: the previous list failed (retried after backoff).
 * - `watch-list-fallback`: a WatchList (streaming list) was refused; falling back to a plain list.
 */
export type RelistReason =
  | 'expired'
  | 'too-large-resource-version'
  | 'very-short-watch'
  | 'internal-error'
  | 'watch-error'
  | 'list-error'
  | 'watch-list-fallback';

/** The watch event types a reflector counts. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

/** One list attempt, reported by {@link ReflectorMetrics.listed}. */
export interface ListReport {
  /** From the first request to the last page, in ms (also when it failed). */
  readonly durationMs: number;
  /** Items received (all pages); 0 when it failed. */
  readonly items: number;
  /** What the list failed with; absent when it succeeded. */
  readonly error?: unknown;
}

/** One watch, reported by {@link ReflectorMetrics.watchEnded}. */
export interface WatchReport {
  /** From the watch request to the end of the stream, in ms. */
  readonly durationMs: number;
  /** Events received on this watch (bookmarks included). */
  readonly events: number;
  /** Why it ended. */
  readonly reason: WatchEndReason;
}

/** Values a reflector computes when its metrics are read. */
export interface ReflectorGauges {
  /** The resource version of the last list or event applied to the store; `''` before any. */
  lastSyncResourceVersion(): string;
}

/**
 * Receives the metrics of one reflector. Every hook is optional and synchronous; hooks must be
 * cheap and must not throw.
 *
 * Contract (what the reflector calls, and when):
 * - `listed` once per list attempt (paged or not, WatchList included), success or failure;
 *   `relist(reason)` before every list but the first of a `run`.
 * - `watchStarted` when a watch request is sent; `watchEnded` exactly once for each watch that
 *   started, with why it ended.
 * - `event(type)` for every decoded watch event; `decodeError` for every line that failed to
 *   decode (the watch then ends with `decode-error`).
 * - `attach(gauges)` once when the reflector starts running; the function it returns is called
 *   when the run ends, after which the gauges are no longer read.
 */
export interface ReflectorMetrics {
  /** A list attempt ended. */
  listed?(report: ListReport): void;
  /** A list other than the first is about to start, for `reason`. */
  relist?(reason: RelistReason): void;
  /** A watch request was sent. */
  watchStarted?(): void;
  /** A watch ended. */
  watchEnded?(report: WatchReport): void;
  /** A watch event was received. */
  event?(type: WatchEventType): void;
  /** A watch line could not be decoded. */
  decodeError?(): void;
  /** Hands over the computed values; returns the function that takes them back. */
  attach?(gauges: ReflectorGauges): () => void;
}

/** The default: observes nothing. */
export const noopReflectorMetrics: ReflectorMetrics = Object.freeze({});

/** The names of the reflector metrics {@link createReflectorMetrics} creates (label `name`). */
export const reflectorMetricNames = Object.freeze({
  lists: 'reflector_lists_total',
  listDuration: 'reflector_list_duration_seconds',
  itemsPerList: 'reflector_items_per_list',
  listErrors: 'reflector_list_errors_total',
  relists: 'reflector_relists_total',
  watches: 'reflector_watches_total',
  shortWatches: 'reflector_short_watches_total',
  watchDuration: 'reflector_watch_duration_seconds',
  itemsPerWatch: 'reflector_items_per_watch',
  watchEnds: 'reflector_watch_ends_total',
  events: 'reflector_events_total',
  decodeErrors: 'reflector_decode_errors_total',
  lastResourceVersion: 'reflector_last_resource_version',
});

const itemBuckets = exponentialBuckets(1, 4, 10); // 1 … 262 144 items

/**
 * The `reason` label of a failed list: the Status reason (`Forbidden`, `Expired`, …), else the
 * HTTP or system error code (`503`, `ECONNREFUSED`), else the error's name.
 */
export function errorReasonLabel(err: unknown): string {
  const s = summarizeError(err);
  if (s.reason !== '') return s.reason;
  if (s.code !== undefined) return String(s.code);
  return s.name;
}

/**
 * Reflector metrics on a {@link MetricsProvider}, under client-go's reflector metric names with
 * the label `name` set to `name` (plus `reason` or `type` where stated):
 *
 * | metric | kind | labels |
 * |---|---|---|
 * | `reflector_lists_total` | counter | name |
 * | `reflector_list_duration_seconds` | histogram (0.01 s … 38 s) | name |
 * | `reflector_items_per_list` | histogram (1 … 262 144) | name |
 * | `reflector_list_errors_total` | counter | name, reason |
 * | `reflector_relists_total` | counter | name, reason ({@link RelistReason}) |
 * | `reflector_watches_total` | counter | name |
 * | `reflector_short_watches_total` | counter | name |
 * | `reflector_watch_duration_seconds` | histogram (1 s … 2048 s) | name |
 * | `reflector_items_per_watch` | histogram (1 … 262 144) | name |
 * | `reflector_watch_ends_total` | counter | name, reason ({@link WatchEndReason}) |
 * | `reflector_events_total` | counter | name, type |
 * | `reflector_decode_errors_total` | counter | name |
 * | `reflector_last_resource_version` | gauge, computed on scrape | name |
 *
 * Differs from client-go: client-go's list duration and item counts are summaries, here they
 * are histograms (aggregatable); the last resource version is read on scrape, and only when it
 * is a decimal number (resource versions are opaque; etcd-backed servers use integers).
 *
 * @param provider - where the metrics are created.
 * @param name - the reflector's name (its `name` label), for example `pods.v1`.
 * @returns the hooks to pass to the reflector.
 */
export function createReflectorMetrics(provider: MetricsProvider, name: string): ReflectorMetrics {
  const n = reflectorMetricNames;
  const labels = { name };
  const byName = ['name'] as const;
  const byReason = ['name', 'reason'] as const;
  const lists = provider
    .counter({ name: n.lists, help: 'Lists started by the reflector.', labelNames: byName })
    .with(labels);
  const listDuration = provider
    .histogram({
      name: n.listDuration,
      help: 'How long a reflector list took, all pages, in seconds.',
      labelNames: byName,
      buckets: exponentialBuckets(0.01, 2.5, 10),
    })
    .with(labels);
  const itemsPerList = provider
    .histogram({
      name: n.itemsPerList,
      help: 'Items returned by a reflector list.',
      labelNames: byName,
      buckets: itemBuckets,
    })
    .with(labels);
  const listErrors = provider.counter({
    name: n.listErrors,
    help: 'Reflector lists that failed, by Status reason or error code.',
    labelNames: byReason,
  });
  const relists = provider.counter({
    name: n.relists,
    help: 'Lists after the first one, by why the reflector listed again.',
    labelNames: byReason,
  });
  const watches = provider
    .counter({ name: n.watches, help: 'Watches started by the reflector.', labelNames: byName })
    .with(labels);
  const shortWatches = provider
    .counter({
      name: n.shortWatches,
      help: 'Watches the server closed within a second without any event.',
      labelNames: byName,
    })
    .with(labels);
  const watchDuration = provider
    .histogram({
      name: n.watchDuration,
      help: 'How long a reflector watch lasted, in seconds.',
      labelNames: byName,
      buckets: exponentialBuckets(1, 2, 12),
    })
    .with(labels);
  const itemsPerWatch = provider
    .histogram({
      name: n.itemsPerWatch,
      help: 'Events received on one reflector watch.',
      labelNames: byName,
      buckets: itemBuckets,
    })
    .with(labels);
  const watchEnds = provider.counter({
    name: n.watchEnds,
    help: 'Reflector watches that ended, by why they ended.',
    labelNames: byReason,
  });
  const events = provider.counter({
    name: n.events,
    help: 'Watch events received by the reflector, by type.',
    labelNames: ['name', 'type'],
  });
  const eventSeries = {
    ADDED: events.with({ name, type: 'ADDED' }),
    MODIFIED: events.with({ name, type: 'MODIFIED' }),
    DELETED: events.with({ name, type: 'DELETED' }),
    BOOKMARK: events.with({ name, type: 'BOOKMARK' }),
  };
  const decodeErrors = provider
    .counter({
      name: n.decodeErrors,
      help: 'Watch lines the reflector could not decode.',
      labelNames: byName,
    })
    .with(labels);
  const rvSpec = {
    name: n.lastResourceVersion,
    help: 'The last resource version the reflector synced to, when it is a number.',
    labelNames: byName,
  };

  return {
    listed(report) {
      lists.inc();
      listDuration.observe(report.durationMs / 1000);
      if (report.error === undefined) itemsPerList.observe(report.items);
      else listErrors.with({ name, reason: errorReasonLabel(report.error) }).inc();
    },
    relist(reason) {
      relists.with({ name, reason }).inc();
    },
    watchStarted() {
      watches.inc();
    },
    watchEnded(report) {
      watchDuration.observe(report.durationMs / 1000);
      itemsPerWatch.observe(report.events);
      if (report.reason === 'very-short') shortWatches.inc();
      watchEnds.with({ name, reason: report.reason }).inc();
    },
    event(type) {
      eventSeries[type].inc();
    },
    decodeError() {
      decodeErrors.inc();
    },
    attach(gauges) {
      const registration: CollectRegistration = provider.collect(
        rvSpec,
        function* (): Iterable<Sample> {
          const rv = gauges.lastSyncResourceVersion();
          if (/^\d{1,15}$/.test(rv)) yield { labels, value: Number(rv) };
        },
      );
      return () => registration.unregister();
    },
  };
}

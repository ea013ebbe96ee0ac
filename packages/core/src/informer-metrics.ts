// The metrics a shared informer reports: per-handler backlog and processing time, handler
// failures, and how long ago the informer last heard from the server (a staleness signal) —
// kubecache's names, in client-go's style: `informer_` subsystem, label `name` — and the three
// client-go 1.36 defines through its InformerMetricsProvider (tools/cache/informer_metrics.go:
// NewQueuedItemMetric, NewProcessingLatencyMetric, NewStoreResourceVersionMetric), with the names
// and labels kube-controller-manager registers them under (informer_queued_items,
// informer_processing_latency_seconds, informer_store_resource_version; labels name, group,
// version, resource).
// Defined here, not in @kubecache/informer, so a metrics backend needs no dependency on it.
import { exponentialBuckets, type MetricsProvider, type Sample } from './metrics.js';
import type { GroupVersionResource } from './object.js';
import { isComparableResourceVersion } from './resource-version.js';

/** Values an informer computes when its metrics are read. */
export interface InformerGauges {
  /**
   * Notifications waiting for each handler, as `[handler, count]` pairs. `handler` is the
   * registration's name (its `name` option, else its index in registration order).
   */
  pendingNotifications(): Iterable<readonly [handler: string, count: number]>;
  /**
   * Milliseconds since the informer last heard from the server — a list, a watch event or a
   * bookmark — on the informer's clock; `undefined` before the first.
   */
  msSinceLastEvent(): number | undefined;
  /**
   * Entries waiting in the queue between the Reflector and the cache (client-go's FIFO
   * `len(items)`: events for a RealFIFO, a whole relist counting as one in atomic mode).
   */
  queuedItems?(): number;
  /** The cache's `lastStoreSyncResourceVersion()`; `''` before the first list. */
  storeResourceVersion?(): string;
}

/**
 * Receives the metrics of one shared informer. Every hook is optional and synchronous; hooks must
 * be cheap and must not throw.
 *
 * Contract:
 * - `handled(handler, ms)` after each call of a handler (add, update or delete notification),
 *   with its duration; for an async handler, until its promise settled.
 * - `handlerFailed(handler)` when a handler threw or rejected (after `handled`).
 * - `attach(gauges)` once when the informer starts running; the returned function is called when
 *   the run ends, after which the gauges are no longer read.
 */
export interface InformerMetrics {
  /** A handler finished processing one notification after `ms` milliseconds. */
  handled?(handler: string, ms: number): void;
  /** A handler threw or rejected. */
  handlerFailed?(handler: string): void;
  /**
   * One popped queue entry was processed — applied to the cache and handed to every handler's
   * queue — in `ms` milliseconds (client-go's processing latency: from pop to processed).
   */
  processed?(ms: number): void;
  /** Hands over the computed values; returns the function that takes them back. */
  attach?(gauges: InformerGauges): () => void;
}

/** The default: observes nothing. */
export const noopInformerMetrics: InformerMetrics = Object.freeze({});

/** The names of the informer metrics {@link createInformerMetrics} creates. */
export const informerMetricNames = Object.freeze({
  pendingNotifications: 'informer_pending_notifications',
  handlerDuration: 'informer_handler_duration_seconds',
  handlerErrors: 'informer_handler_errors_total',
  sinceLastEvent: 'informer_time_since_last_event_seconds',
  queuedItems: 'informer_queued_items',
  processingLatency: 'informer_processing_latency_seconds',
  storeResourceVersion: 'informer_store_resource_version',
});

/**
 * The gauge value of a resource version, as client-go 1.36 reports it: its 15 least significant
 * digits as a number (exact in a float64); `undefined` for an empty or opaque (non-integer) one.
 */
export function resourceVersionGaugeValue(rv: string): number | undefined {
  if (!isComparableResourceVersion(rv)) return undefined;
  return Number(rv.slice(-15));
}

/**
 * Informer metrics on a {@link MetricsProvider}:
 *
 * | metric | kind | labels |
 * |---|---|---|
 * | `informer_pending_notifications` | gauge, computed on scrape | name, handler |
 * | `informer_handler_duration_seconds` | histogram (10 µs … 10 s) | name, handler |
 * | `informer_handler_errors_total` | counter | name, handler |
 * | `informer_time_since_last_event_seconds` | gauge, computed on scrape | name |
 * | `informer_queued_items` | gauge, computed on scrape | name, group, version, resource |
 * | `informer_processing_latency_seconds` | histogram (1 ms … 10 s, client-go's buckets) | name, group, version, resource |
 * | `informer_store_resource_version` | gauge, computed on scrape: the 15 least significant digits | name, group, version, resource |
 *
 * The last three are client-go 1.36's (`InformerMetricsProvider`), named and labelled as
 * kube-controller-manager registers them; `group`, `version` and `resource` are `resource`'s, or
 * empty when it is not given. The store's resource version is not emitted before the first list,
 * nor for a server whose resource versions are not integers.
 *
 * `informer_time_since_last_event_seconds` grows while the informer hears nothing — no event
 * and no bookmark (servers send a bookmark about every minute to watches that ask for them) —
 * so an alert on it catches a silently stuck watch.
 *
 * @param provider - where the metrics are created.
 * @param name - the informer's name (its `name` label), for example `pods.v1`.
 * @param resource - the informer's resource, for the `group`, `version` and `resource` labels.
 * @returns the hooks to pass to the informer.
 */
export function createInformerMetrics(
  provider: MetricsProvider,
  name: string,
  resource?: GroupVersionResource,
): InformerMetrics {
  const n = informerMetricNames;
  const idLabels = {
    name,
    group: resource?.group ?? '',
    version: resource?.version ?? '',
    resource: resource?.resource ?? '',
  };
  const idLabelNames = ['name', 'group', 'version', 'resource'];
  const latency = provider
    .histogram({
      name: n.processingLatency,
      help: 'Time taken to process events after popping from the queue, in seconds.',
      labelNames: idLabelNames,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    })
    .with(idLabels);
  const duration = provider.histogram({
    name: n.handlerDuration,
    help: 'How long an event handler took to process one notification, in seconds.',
    labelNames: ['name', 'handler'],
    buckets: exponentialBuckets(0.00001, 10, 7),
  });
  const errors = provider.counter({
    name: n.handlerErrors,
    help: 'Notifications whose event handler threw or rejected.',
    labelNames: ['name', 'handler'],
  });
  // A handful of handlers per informer: keep their series instead of looking them up per call.
  const durationSeries = new Map<string, ReturnType<typeof duration.with>>();

  return {
    handled(handler, ms) {
      let series = durationSeries.get(handler);
      if (series === undefined) {
        series = duration.with({ name, handler });
        durationSeries.set(handler, series);
      }
      series.observe(ms / 1000);
    },
    handlerFailed(handler) {
      errors.with({ name, handler }).inc();
    },
    processed(ms) {
      latency.observe(ms / 1000);
    },
    attach(gauges) {
      const pending = provider.collect(
        {
          name: n.pendingNotifications,
          help: 'Notifications waiting to be delivered to an event handler.',
          labelNames: ['name', 'handler'],
        },
        function* (): Iterable<Sample> {
          for (const [handler, count] of gauges.pendingNotifications()) {
            yield { labels: { name, handler }, value: count };
          }
        },
      );
      const since = provider.collect(
        {
          name: n.sinceLastEvent,
          help: 'Seconds since the informer last received a list, watch event or bookmark.',
          labelNames: ['name'],
        },
        function* (): Iterable<Sample> {
          const ms = gauges.msSinceLastEvent();
          if (ms !== undefined) yield { labels: { name }, value: ms / 1000 };
        },
      );
      const queued = provider.collect(
        {
          name: n.queuedItems,
          help: 'Number of items currently queued in the FIFO.',
          labelNames: idLabelNames,
        },
        function* (): Iterable<Sample> {
          const count = gauges.queuedItems?.();
          if (count !== undefined) yield { labels: idLabels, value: count };
        },
      );
      const storeRv = provider.collect(
        {
          name: n.storeResourceVersion,
          help: 'The 15 least significant digits of the resource version of the store.',
          labelNames: idLabelNames,
        },
        function* (): Iterable<Sample> {
          const value = resourceVersionGaugeValue(gauges.storeResourceVersion?.() ?? '');
          if (value !== undefined) yield { labels: idLabels, value };
        },
      );
      return () => {
        pending.unregister();
        since.unregister();
        queued.unregister();
        storeRv.unregister();
      };
    },
  };
}

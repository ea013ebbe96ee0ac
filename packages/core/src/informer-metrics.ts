// The metrics a shared informer reports: per-handler backlog and processing time, handler
// failures, and how long ago the informer last heard from the server (a staleness signal).
// client-go has no released names for these yet (KEP-4346 informer metrics are alpha work in
// progress; the 1.36 stale-controller metrics live in kube-controller-manager), so the names are
// kubecache's, in client-go's style: `informer_` subsystem, label `name` for the informer.
// Defined here, not in @kubecache/informer, so a metrics backend needs no dependency on it.
import { exponentialBuckets, type MetricsProvider, type Sample } from './metrics.js';

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
});

/**
 * Informer metrics on a {@link MetricsProvider}:
 *
 * | metric | kind | labels |
 * |---|---|---|
 * | `informer_pending_notifications` | gauge, computed on scrape | name, handler |
 * | `informer_handler_duration_seconds` | histogram (10 µs … 10 s) | name, handler |
 * | `informer_handler_errors_total` | counter | name, handler |
 * | `informer_time_since_last_event_seconds` | gauge, computed on scrape | name |
 *
 * `informer_time_since_last_event_seconds` grows while the informer hears nothing — no event
 * and no bookmark (servers send a bookmark about every minute to watches that ask for them) —
 * so an alert on it catches a silently stuck watch.
 *
 * @param provider - where the metrics are created.
 * @param name - the informer's name (its `name` label), for example `pods.v1`.
 * @returns the hooks to pass to the informer.
 */
export function createInformerMetrics(provider: MetricsProvider, name: string): InformerMetrics {
  const n = informerMetricNames;
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
      return () => {
        pending.unregister();
        since.unregister();
      };
    },
  };
}

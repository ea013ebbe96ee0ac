// client-go's workqueue metrics by name, on a backend-neutral MetricsProvider: the names, label
// and units of k8s.io/component-base/metrics/prometheus/workqueue (which implements client-go's
// util/workqueue MetricsProvider), so dashboards and alerts written for Go controllers work.
import {
  exponentialBuckets,
  type CollectRegistration,
  type MetricsProvider,
  type Sample,
} from '@kubecache/core';
import type { WorkqueueMetricsProvider } from './metrics.js';

/** The names of client-go's workqueue metrics, all with the single label `name`. */
export const workqueueMetricNames = Object.freeze({
  depth: 'workqueue_depth',
  adds: 'workqueue_adds_total',
  queueDuration: 'workqueue_queue_duration_seconds',
  workDuration: 'workqueue_work_duration_seconds',
  unfinishedWork: 'workqueue_unfinished_work_seconds',
  longestRunningProcessor: 'workqueue_longest_running_processor_seconds',
  retries: 'workqueue_retries_total',
});

/** Bucket bounds of the two duration histograms: 10 ns … 10 s, ×10 each, as client-go. */
export const workqueueDurationBuckets: readonly number[] = Object.freeze(
  exponentialBuckets(1e-8, 10, 10),
);

/**
 * The hooks that feed client-go's workqueue metrics, for the queue named `name`, on `provider`:
 *
 * | metric | kind | meaning |
 * |---|---|---|
 * | `workqueue_depth` | gauge | items waiting to be handed out |
 * | `workqueue_adds_total` | counter | adds that were not de-duplicated |
 * | `workqueue_queue_duration_seconds` | histogram | from add to `get` |
 * | `workqueue_work_duration_seconds` | histogram | from `get` to `done` |
 * | `workqueue_unfinished_work_seconds` | gauge, computed on scrape | sum of the ages of items being processed |
 * | `workqueue_longest_running_processor_seconds` | gauge, computed on scrape | age of the oldest item being processed |
 * | `workqueue_retries_total` | counter | `addAfter` / `addRateLimited` calls |
 *
 * All carry the label `name` (the queue's name); durations are seconds; histogram buckets are
 * {@link workqueueDurationBuckets}.
 *
 * Differs from client-go: the two unfinished-work gauges are computed from the queue when the
 * metrics are read (`MetricsProvider.collect`), not refreshed by a 500 ms ticker, so no timer runs
 * and a scrape always sees the current value. They disappear when the queue shuts down.
 *
 * The queue option `metricsProvider` calls this for you; call it yourself to combine it with other
 * hooks.
 *
 * @param provider - where the metrics are created (for example `@kubecache/prometheus`).
 * @param name - the queue's name, its `name` label.
 * @returns hooks for the queue option `metrics`.
 */
export function createWorkqueueMetrics(
  provider: MetricsProvider,
  name: string,
): WorkqueueMetricsProvider {
  const n = workqueueMetricNames;
  const labels = { name };
  const labelNames = ['name'];
  const depth = provider
    .gauge({ name: n.depth, help: 'Current depth of the workqueue.', labelNames })
    .with(labels);
  const adds = provider
    .counter({ name: n.adds, help: 'Adds handled by the workqueue.', labelNames })
    .with(labels);
  const queueDuration = provider
    .histogram({
      name: n.queueDuration,
      help: 'Seconds an item waits in the workqueue before it is handed out.',
      labelNames,
      buckets: workqueueDurationBuckets,
    })
    .with(labels);
  const workDuration = provider
    .histogram({
      name: n.workDuration,
      help: 'Seconds between handing an item out and its done call.',
      labelNames,
      buckets: workqueueDurationBuckets,
    })
    .with(labels);
  const retries = provider
    .counter({ name: n.retries, help: 'Retries handled by the workqueue.', labelNames })
    .with(labels);

  return {
    depth: (d) => depth.set(d),
    add: () => adds.inc(),
    queueLatency: (ms) => queueDuration.observe(ms / 1000),
    workDuration: (ms) => workDuration.observe(ms / 1000),
    retry: () => retries.inc(),
    attach(gauges) {
      const registrations: CollectRegistration[] = [
        provider.collect(
          {
            name: n.unfinishedWork,
            help: 'Summed age in seconds of the items being processed; steady growth means a stuck worker.',
            labelNames,
          },
          function* (): Iterable<Sample> {
            yield { labels, value: gauges.unfinishedWorkMs() / 1000 };
          },
        ),
        provider.collect(
          {
            name: n.longestRunningProcessor,
            help: 'Seconds the longest-running item of the workqueue has been processed.',
            labelNames,
          },
          function* (): Iterable<Sample> {
            yield { labels, value: gauges.longestRunningProcessorMs() / 1000 };
          },
        ),
      ];
      return () => {
        for (const r of registrations) r.unregister();
      };
    },
  };
}

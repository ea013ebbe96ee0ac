// kubecache's MetricsProvider on prom-client: what k8s.io/component-base/metrics/prometheus does
// for client-go (registers the workqueue and reflector metrics with the Prometheus client), for
// TypeScript. The metric names, labels and buckets come from the layers themselves
// (@kubecache/workqueue's createWorkqueueMetrics, @kubecache/core's createReflectorMetrics and
// createInformerMetrics); this file only turns specs into prom-client metrics.
import {
  MetricConflictError,
  type CollectRegistration,
  type CounterSeries,
  type GaugeSeries,
  type HistogramSeries,
  type HistogramSpec,
  type MetricFamily,
  type MetricSpec,
  type MetricsProvider,
  type Sample,
} from '@kubecache/core';
import { Counter, Gauge, Histogram, register as globalRegistry, type Registry } from 'prom-client';

/** Options of {@link createPrometheusMetricsProvider}. */
export interface PrometheusMetricsProviderOptions {
  /**
   * The registry the metrics are registered in. Default: prom-client's global `register` (the
   * one `collectDefaultMetrics()` and most examples use). Pass your own to keep kubecache's
   * metrics apart or to test.
   */
  registry?: Registry;
}

type Kind = 'counter' | 'gauge' | 'histogram' | 'computed gauge';

interface Entry {
  kind: Kind;
  labelNames: string;
  /** The kubecache view of the prom-client metric; `undefined` for computed gauges. */
  family: unknown;
  sources: Set<() => Iterable<Sample>> | undefined;
}

/** The metrics kubecache created per registry, shared by every provider on that registry. */
const entriesByRegistry = new WeakMap<Registry, Map<string, Entry>>();

function entriesOf(registry: Registry): Map<string, Entry> {
  let entries = entriesByRegistry.get(registry);
  if (entries === undefined) {
    entries = new Map();
    entriesByRegistry.set(registry, entries);
  }
  return entries;
}

/**
 * Wraps a prom-client metric's `labels(...)` children as kubecache series, caching them. `init`
 * runs once per new series, so the series is exposed from the moment a queue, reflector or
 * controller asks for it, as Go's `WithLabelValues` does: counters and gauges at an explicit 0,
 * histograms with zero observations — `workqueue_depth{name="pods"} 0` is scraped before the
 * first add, and `rate()` and absence alerts work from the first scrape.
 */
function familyOf<S>(
  labelled: { labels(labels: Record<string, string>): S },
  init: (series: S, labels: Record<string, string>) => void,
): MetricFamily<S> {
  const cache = new Map<string, S>();
  return {
    with(labels) {
      const key = Object.values(labels).join('\u0000');
      let series = cache.get(key);
      if (series === undefined) {
        series = labelled.labels({ ...labels });
        init(series, { ...labels });
        cache.set(key, series);
      }
      return series;
    },
  };
}

/**
 * A {@link MetricsProvider} that registers kubecache's metrics in a prom-client `Registry`, under
 * client-go's names (`workqueue_adds_total{name="pods"}`, `reflector_watches_total{name=…}`, …).
 * Pass it as the `metricsProvider` option of a workqueue (and, once wired, of reflectors,
 * informers and the informer factory); read the metrics with `await registry.metrics()`.
 *
 * - Providers on the same registry share their metrics: many queues feed one `workqueue_depth`,
 *   told apart by their `name` label.
 * - Gauges computed on scrape (`workqueue_unfinished_work_seconds`,
 *   `reflector_last_resource_version`, `informer_pending_notifications`, …) are prom-client
 *   gauges with a `collect` function: nothing is computed, and no timer runs, between scrapes.
 *   A source that throws is skipped for that scrape.
 *
 * @example
 * ```ts
 * import { Registry } from 'prom-client';
 * const registry = new Registry();
 * const metricsProvider = createPrometheusMetricsProvider({ registry });
 * const queue = createRateLimitingQueue<string>(undefined, { name: 'pods', metricsProvider });
 * ```
 * @param options - the registry; see {@link PrometheusMetricsProviderOptions}.
 * @returns the provider. Its factories throw `MetricConflictError` (from `@kubecache/core`) when
 * a name is asked for with another kind or label set, or is already registered in the registry
 * by someone else (for example your own `workqueue_depth` without the `name` label).
 */
export function createPrometheusMetricsProvider(
  options: PrometheusMetricsProviderOptions = {},
): MetricsProvider {
  const registry = options.registry ?? globalRegistry;
  const entries = entriesOf(registry);

  function entry(kind: Kind, spec: MetricSpec, create: () => Entry): Entry {
    const labelNames = spec.labelNames.join(',');
    const existing = entries.get(spec.name);
    if (existing !== undefined) {
      if (existing.kind !== kind || existing.labelNames !== labelNames) {
        throw new MetricConflictError(
          spec.name,
          `metric ${spec.name} exists as a ${existing.kind} with labels [${existing.labelNames}]; ` +
            `asked for a ${kind} with labels [${labelNames}]`,
        );
      }
      return existing;
    }
    if (registry.getSingleMetric(spec.name) !== undefined) {
      throw new MetricConflictError(
        spec.name,
        `metric ${spec.name} is already registered in this registry by something other than ` +
          'kubecache; remove it or give kubecache its own Registry',
      );
    }
    const created = create();
    entries.set(spec.name, created);
    return created;
  }

  const common = (spec: MetricSpec) => ({
    name: spec.name,
    help: spec.help,
    labelNames: [...spec.labelNames],
    registers: [registry],
  });

  return {
    counter(spec) {
      return entry('counter', spec, () => ({
        kind: 'counter',
        labelNames: spec.labelNames.join(','),
        family: familyOf(new Counter(common(spec)), (series) => series.inc(0)),
        sources: undefined,
      })).family as MetricFamily<CounterSeries>;
    },
    gauge(spec) {
      return entry('gauge', spec, () => ({
        kind: 'gauge',
        labelNames: spec.labelNames.join(','),
        family: familyOf(new Gauge(common(spec)), (series) => series.set(0)),
        sources: undefined,
      })).family as MetricFamily<GaugeSeries>;
    },
    histogram(spec: HistogramSpec) {
      return entry('histogram', spec, () => {
        const histogram = new Histogram({ ...common(spec), buckets: [...spec.buckets] });
        return {
          kind: 'histogram',
          labelNames: spec.labelNames.join(','),
          family: familyOf(histogram, (_series, labels) => histogram.zero(labels)),
          sources: undefined,
        };
      }).family as MetricFamily<HistogramSeries>;
    },
    collect(spec, samples): CollectRegistration {
      const e = entry('computed gauge', spec, () => {
        const sources = new Set<() => Iterable<Sample>>();
        new Gauge({
          ...common(spec),
          collect() {
            this.reset();
            for (const source of sources) {
              try {
                for (const s of source()) this.set({ ...s.labels }, s.value);
              } catch {
                // A broken source must not fail the whole scrape.
              }
            }
          },
        });
        return {
          kind: 'computed gauge',
          labelNames: spec.labelNames.join(','),
          family: undefined,
          sources,
        };
      });
      e.sources!.add(samples);
      return { unregister: () => void e.sources!.delete(samples) };
    },
  };
}

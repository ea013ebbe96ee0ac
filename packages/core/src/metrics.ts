// The backend-neutral metrics seam shared by every layer, in the spirit of client-go's
// MetricsProvider interfaces (util/workqueue/metrics.go, tools/cache/reflector_metrics.go): the
// library asks a provider for named metrics and updates them; a backend (prom-client through
// @kubecache/prometheus, OpenTelemetry, a test recorder) decides what they become.
//
// Differs from client-go: one generic provider with counter/gauge/histogram factories instead of
// one factory method per metric, no process-wide SetProvider (the provider is an option of each
// queue, reflector or informer), and gauges that are computed when scraped (`collect`) instead of
// a goroutine that refreshes them every 500 ms.

import { hasBrand } from './errors.js';

/** Label values of one series, by label name. Every name in the spec's `labelNames` is set. */
export type Labels = Readonly<Record<string, string>>;

/** What a metric is: a client-go-style name (`workqueue_adds_total`), its help and label names. */
export interface MetricSpec {
  /** The full metric name, Prometheus style: `[a-zA-Z_:][a-zA-Z0-9_:]*`, unit suffix included. */
  readonly name: string;
  /** One sentence for the `# HELP` line. */
  readonly help: string;
  /** The label names of every series of this metric, in order. */
  readonly labelNames: readonly string[];
}

/** A histogram's spec: {@link MetricSpec} plus its bucket upper bounds. */
export interface HistogramSpec extends MetricSpec {
  /** Upper bounds of the buckets, ascending, in the metric's unit (seconds for `…_seconds`). */
  readonly buckets: readonly number[];
}

/** One series of a counter: only goes up. */
export interface CounterSeries {
  /** Adds `value` (default 1, must be ≥ 0). */
  inc(value?: number): void;
}

/** One series of a gauge: goes up and down. */
export interface GaugeSeries {
  /** Sets the value. */
  set(value: number): void;
}

/** One series of a histogram. */
export interface HistogramSeries {
  /** Records one observation, in the metric's unit. */
  observe(value: number): void;
}

/**
 * A metric with labels. `with(labels)` returns the series of those label values; callers keep
 * the series of fixed label sets (a queue's `name`) and call `with` per event only for labels
 * that vary (a watch's end `reason`).
 */
export interface MetricFamily<S> {
  /**
   * The series for these label values; the same values always give the same series. The series
   * exists from this call on, as Go's `WithLabelValues`: a counter or gauge at 0, a histogram
   * with no observations — so the layers ask for their fixed series at creation, and a scrape
   * shows them before anything happened (`workqueue_depth{name="pods"} 0`).
   */
  with(labels: Labels): S;
}

/** One value of a computed gauge: its labels and its current value. */
export interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

/** Returned by {@link MetricsProvider.collect}: stops the callback from being asked again. */
export interface CollectRegistration {
  /** Removes the callback; its series disappear from the next scrape. Idempotent. */
  unregister(): void;
}

/**
 * Creates metrics for kubecache's layers. Implemented by `@kubecache/prometheus` on a prom-client
 * Registry; {@link noMetricsProvider} discards everything.
 *
 * Contract:
 * - Asking twice for the same name with the same kind and label names returns a metric backed by
 *   the same series (many queues share `workqueue_depth`, told apart by their `name` label). A
 *   different kind or label set under an existing name throws {@link MetricConflictError}.
 * - Series methods are called synchronously on hot paths: they must be cheap and must not throw.
 * - `collect` registers a callback asked for samples each time the metrics are read (on scrape);
 *   several callbacks may share a gauge name, each contributing its own label values. Nothing is
 *   computed, and no timer runs, while nobody reads the metrics.
 */
export interface MetricsProvider {
  /** A counter (`…_total`). */
  counter(spec: MetricSpec): MetricFamily<CounterSeries>;
  /** A gauge whose series the library sets. */
  gauge(spec: MetricSpec): MetricFamily<GaugeSeries>;
  /** A histogram with the given buckets. */
  histogram(spec: HistogramSpec): MetricFamily<HistogramSeries>;
  /**
   * A gauge computed on read: `samples()` is called on every scrape and its samples become the
   * gauge's series (together with those of other callbacks under the same name).
   */
  collect(spec: MetricSpec, samples: () => Iterable<Sample>): CollectRegistration;
}

const metricConflictBrand = Symbol.for('@kubecache/core/MetricConflictError');

/**
 * Thrown by a {@link MetricsProvider} when a metric name is asked for with a different kind or
 * label set than it already has, or is taken by a metric the provider did not create.
 */
export class MetricConflictError extends Error {
  override readonly name = 'MetricConflictError';
  readonly [metricConflictBrand] = true;
  /** The metric name in conflict. */
  readonly metric: string;
  /**
   * @param metric - the metric name.
   * @param message - what conflicts.
   */
  constructor(metric: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.metric = metric;
  }
}

/** Type guard for {@link MetricConflictError} (brand-based: works across duplicate copies). */
export function isMetricConflictError(err: unknown): err is MetricConflictError {
  return hasBrand(err, metricConflictBrand);
}

const noSeries: CounterSeries & GaugeSeries & HistogramSeries = Object.freeze({
  inc: () => undefined,
  set: () => undefined,
  observe: () => undefined,
});
const noFamily: MetricFamily<CounterSeries & GaugeSeries & HistogramSeries> = Object.freeze({
  with: () => noSeries,
});
const noRegistration: CollectRegistration = Object.freeze({ unregister: () => undefined });

/** A provider that records nothing and never calls `collect` callbacks: the default everywhere. */
export const noMetricsProvider: MetricsProvider = Object.freeze({
  counter: () => noFamily,
  gauge: () => noFamily,
  histogram: () => noFamily,
  collect: () => noRegistration,
});

/**
 * `count` bucket bounds starting at `start`, each `factor` times the previous one (Prometheus'
 * `ExponentialBuckets`).
 *
 * @throws RangeError when `start ≤ 0`, `factor ≤ 1` or `count < 1`.
 */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  if (!(start > 0) || !(factor > 1) || !(count >= 1)) {
    throw new RangeError(
      `exponentialBuckets needs start > 0, factor > 1, count ≥ 1 (got ${start}, ${factor}, ${count})`,
    );
  }
  const out: number[] = [];
  let bound = start;
  for (let i = 0; i < count; i++) {
    out.push(Number(bound.toPrecision(12)));
    bound *= factor;
  }
  return out;
}

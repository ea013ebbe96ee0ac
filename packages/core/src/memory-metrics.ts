// A MetricsProvider that keeps values in memory, for tests (kubecache's and users'): read back
// what a queue, reflector or informer reported without a metrics backend.
import {
  MetricConflictError,
  type CollectRegistration,
  type CounterSeries,
  type GaugeSeries,
  type HistogramSeries,
  type HistogramSpec,
  type Labels,
  type MetricFamily,
  type MetricSpec,
  type MetricsProvider,
  type Sample,
} from './metrics.js';

/** The kind of a metric in a {@link MemoryMetricsProvider}. */
export type MetricKind = 'counter' | 'gauge' | 'histogram';

/** What a {@link MemoryMetricsProvider} holds for one series of a histogram. */
export interface HistogramValue {
  /** Number of observations. */
  readonly count: number;
  /** Sum of the observations. */
  readonly sum: number;
  /** Every observation, in order. */
  readonly observations: readonly number[];
}

interface Family {
  kind: MetricKind;
  spec: MetricSpec;
  values: Map<string, { labels: Labels; value: number; observations: number[] }>;
  collectors: Set<() => Iterable<Sample>>;
}

function seriesKey(spec: MetricSpec, labels: Labels): string {
  return spec.labelNames.map((l) => labels[l] ?? '').join('\u0000');
}

/**
 * An in-memory {@link MetricsProvider} with readers for tests:
 * `provider.value('workqueue_adds_total', { name: 'pods' })`.
 *
 * It enforces the provider contract: a name reused with another kind or label set throws
 * {@link MetricConflictError}.
 */
export class MemoryMetricsProvider implements MetricsProvider {
  private readonly families = new Map<string, Family>();

  counter(spec: MetricSpec): MetricFamily<CounterSeries> {
    const family = this.family('counter', spec);
    return {
      with: (labels) => {
        const s = this.series(family, labels);
        return { inc: (value = 1) => void (s.value += value) };
      },
    };
  }

  gauge(spec: MetricSpec): MetricFamily<GaugeSeries> {
    const family = this.family('gauge', spec);
    return {
      with: (labels) => {
        const s = this.series(family, labels);
        return { set: (value) => void (s.value = value) };
      },
    };
  }

  histogram(spec: HistogramSpec): MetricFamily<HistogramSeries> {
    const family = this.family('histogram', spec);
    return {
      with: (labels) => {
        const s = this.series(family, labels);
        return {
          observe: (value) => {
            s.value += value;
            s.observations.push(value);
          },
        };
      },
    };
  }

  collect(spec: MetricSpec, samples: () => Iterable<Sample>): CollectRegistration {
    const family = this.family('gauge', spec);
    family.collectors.add(samples);
    return { unregister: () => void family.collectors.delete(samples) };
  }

  /** The names of the metrics created so far. */
  names(): string[] {
    return [...this.families.keys()];
  }

  /** The kind of metric `name`, or `undefined` if it was never created. */
  kind(name: string): MetricKind | undefined {
    return this.families.get(name)?.kind;
  }

  /**
   * The value of a counter or gauge series (computed gauges are asked now), or the sum of a
   * histogram series; `undefined` when the series has no value.
   */
  value(name: string, labels: Labels): number | undefined {
    const family = this.families.get(name);
    if (family === undefined) return undefined;
    const key = seriesKey(family.spec, labels);
    for (const sample of this.collected(family)) {
      if (seriesKey(family.spec, sample.labels) === key) return sample.value;
    }
    return family.values.get(key)?.value;
  }

  /** Count, sum and observations of a histogram series (empty when never observed). */
  histogramValue(name: string, labels: Labels): HistogramValue {
    const family = this.families.get(name);
    const s = family?.values.get(seriesKey(family.spec, labels));
    return {
      count: s?.observations.length ?? 0,
      sum: s?.value ?? 0,
      observations: s?.observations ?? [],
    };
  }

  /** Every series of `name` with its value (sums for histograms), computed gauges included. */
  samples(name: string): Sample[] {
    const family = this.families.get(name);
    if (family === undefined) return [];
    const out: Sample[] = [...family.values.values()].map(({ labels, value }) => ({
      labels,
      value,
    }));
    out.push(...this.collected(family));
    return out;
  }

  private collected(family: Family): Sample[] {
    const out: Sample[] = [];
    for (const collect of family.collectors) out.push(...collect());
    return out;
  }

  private family(kind: MetricKind, spec: MetricSpec): Family {
    const existing = this.families.get(spec.name);
    if (existing === undefined) {
      const family: Family = { kind, spec, values: new Map(), collectors: new Set() };
      this.families.set(spec.name, family);
      return family;
    }
    if (
      existing.kind !== kind ||
      existing.spec.labelNames.join(',') !== spec.labelNames.join(',')
    ) {
      throw new MetricConflictError(
        spec.name,
        `metric ${spec.name} exists as a ${existing.kind} with labels [${existing.spec.labelNames.join(', ')}]; ` +
          `asked for a ${kind} with labels [${spec.labelNames.join(', ')}]`,
      );
    }
    return existing;
  }

  private series(family: Family, labels: Labels) {
    const key = seriesKey(family.spec, labels);
    let s = family.values.get(key);
    if (s === undefined) {
      s = { labels: { ...labels }, value: 0, observations: [] };
      family.values.set(key, s);
    }
    return s;
  }
}

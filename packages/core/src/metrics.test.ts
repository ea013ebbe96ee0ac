import { describe, expect, it } from 'vitest';
import { exponentialBuckets, noMetricsProvider } from './metrics.js';

describe('metrics seam', () => {
  it('builds exponential buckets like Prometheus, and rejects nonsense', () => {
    expect(exponentialBuckets(1e-8, 10, 10)).toEqual([
      1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10,
    ]);
    expect(() => exponentialBuckets(0, 2, 3)).toThrow(RangeError);
    expect(() => exponentialBuckets(1, 1, 3)).toThrow(RangeError);
  });

  it('has a no-op provider whose metrics accept everything and whose collectors are never asked', () => {
    const spec = { name: 'x_total', help: 'x', labelNames: ['name'] };
    noMetricsProvider.counter(spec).with({ name: 'a' }).inc();
    noMetricsProvider.gauge(spec).with({ name: 'a' }).set(3);
    noMetricsProvider
      .histogram({ ...spec, buckets: [1] })
      .with({ name: 'a' })
      .observe(1);
    let asked = false;
    noMetricsProvider
      .collect(spec, () => {
        asked = true;
        return [];
      })
      .unregister();
    expect(asked).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { MemoryMetricsProvider } from './memory-metrics.js';
import { MetricConflictError, isMetricConflictError } from './metrics.js';

describe('MemoryMetricsProvider', () => {
  it('keeps one series per label set in the memory provider, shared across requests for the same name', () => {
    const p = new MemoryMetricsProvider();
    const spec = { name: 'workqueue_adds_total', help: 'adds', labelNames: ['name'] };
    p.counter(spec).with({ name: 'a' }).inc();
    p.counter(spec).with({ name: 'a' }).inc(2);
    p.counter(spec).with({ name: 'b' }).inc();
    expect(p.value('workqueue_adds_total', { name: 'a' })).toBe(3);
    expect(p.value('workqueue_adds_total', { name: 'b' })).toBe(1);
    expect(p.kind('workqueue_adds_total')).toBe('counter');
  });

  it('asks collectors on every read and forgets them once unregistered', () => {
    const p = new MemoryMetricsProvider();
    const spec = { name: 'depth', help: 'd', labelNames: ['name'] };
    let n = 1;
    const reg = p.collect(spec, () => [{ labels: { name: 'q' }, value: n }]);
    expect(p.value('depth', { name: 'q' })).toBe(1);
    n = 5;
    expect(p.samples('depth')).toEqual([{ labels: { name: 'q' }, value: 5 }]);
    reg.unregister();
    expect(p.samples('depth')).toEqual([]);
  });

  it('throws a branded MetricConflictError when a name comes back with another kind or label set', () => {
    const p = new MemoryMetricsProvider();
    p.counter({ name: 'm', help: 'm', labelNames: ['name'] });
    let caught: unknown;
    try {
      p.gauge({ name: 'm', help: 'm', labelNames: ['name'] });
    } catch (err) {
      caught = err;
    }
    expect(isMetricConflictError(caught)).toBe(true);
    expect((caught as MetricConflictError).metric).toBe('m');
    expect((caught as Error).name).toBe('MetricConflictError');
    expect(() => p.counter({ name: 'm', help: 'm', labelNames: ['queue'] })).toThrow(
      MetricConflictError,
    );
    expect(isMetricConflictError(new Error('m'))).toBe(false);
  });
});

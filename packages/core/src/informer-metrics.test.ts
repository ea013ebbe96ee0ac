import { describe, expect, it } from 'vitest';
import {
  createInformerMetrics,
  informerMetricNames as n,
  resourceVersionGaugeValue,
} from './informer-metrics.js';
import { MemoryMetricsProvider } from './memory-metrics.js';

describe('createInformerMetrics', () => {
  it('records handler durations in seconds and handler failures, per handler', () => {
    const p = new MemoryMetricsProvider();
    const m = createInformerMetrics(p, 'pods.v1');
    m.handled?.('printer', 4);
    m.handled?.('printer', 6);
    m.handled?.('1', 1);
    m.handlerFailed?.('printer');
    expect(
      p.histogramValue(n.handlerDuration, { name: 'pods.v1', handler: 'printer' }).observations,
    ).toEqual([0.004, 0.006]);
    expect(p.histogramValue(n.handlerDuration, { name: 'pods.v1', handler: '1' }).count).toBe(1);
    expect(p.value(n.handlerErrors, { name: 'pods.v1', handler: 'printer' })).toBe(1);
  });

  it('computes pending notifications per handler and the time since the last event on every read', () => {
    const p = new MemoryMetricsProvider();
    const m = createInformerMetrics(p, 'pods.v1');
    let pending: [string, number][] = [
      ['printer', 2],
      ['1', 0],
    ];
    let since: number | undefined = undefined;
    const detach = m.attach!({
      pendingNotifications: () => pending,
      msSinceLastEvent: () => since,
    });
    expect(p.samples(n.pendingNotifications)).toEqual([
      { labels: { name: 'pods.v1', handler: 'printer' }, value: 2 },
      { labels: { name: 'pods.v1', handler: '1' }, value: 0 },
    ]);
    expect(p.samples(n.sinceLastEvent)).toEqual([]); // nothing heard yet
    since = 61_500;
    pending = [['printer', 7]];
    expect(p.value(n.sinceLastEvent, { name: 'pods.v1' })).toBe(61.5);
    expect(p.value(n.pendingNotifications, { name: 'pods.v1', handler: 'printer' })).toBe(7);
    detach();
    expect(p.samples(n.pendingNotifications)).toEqual([]);
    expect(p.samples(n.sinceLastEvent)).toEqual([]);
  });

  it("exports client-go 1.36's queue depth, processing latency and store resource version, labelled by name and GVR", () => {
    const p = new MemoryMetricsProvider();
    const m = createInformerMetrics(p, 'deployments.v1.apps', {
      group: 'apps',
      version: 'v1',
      resource: 'deployments',
    });
    const id = {
      name: 'deployments.v1.apps',
      group: 'apps',
      version: 'v1',
      resource: 'deployments',
    };
    expect(n.queuedItems).toBe('informer_queued_items');
    expect(n.processingLatency).toBe('informer_processing_latency_seconds');
    expect(n.storeResourceVersion).toBe('informer_store_resource_version');
    let queued = 3;
    let rv = '';
    const detach = m.attach!({
      pendingNotifications: () => [],
      msSinceLastEvent: () => undefined,
      queuedItems: () => queued,
      storeResourceVersion: () => rv,
    });
    m.processed?.(20);
    expect(p.histogramValue(n.processingLatency, id).observations).toEqual([0.02]);
    expect(p.value(n.queuedItems, id)).toBe(3);
    expect(p.samples(n.storeResourceVersion)).toEqual([]); // nothing listed yet
    queued = 0;
    rv = '1234567890123456789';
    expect(p.value(n.queuedItems, id)).toBe(0);
    expect(p.value(n.storeResourceVersion, id)).toBe(567890123456789);
    detach();
    expect(p.samples(n.queuedItems)).toEqual([]);
    expect(p.samples(n.storeResourceVersion)).toEqual([]);
  });

  it('reports a resource version as its 15 least significant digits, and nothing for an opaque one', () => {
    expect(resourceVersionGaugeValue('42')).toBe(42);
    expect(resourceVersionGaugeValue('1000000000000000001')).toBe(1);
    expect(resourceVersionGaugeValue('')).toBeUndefined();
    expect(resourceVersionGaugeValue('abc')).toBeUndefined();
  });
});

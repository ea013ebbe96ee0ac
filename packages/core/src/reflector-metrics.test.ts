import { describe, expect, it } from 'vitest';
import { MemoryMetricsProvider } from './memory-metrics.js';
import {
  createReflectorMetrics,
  errorReasonLabel,
  reflectorMetricNames as n,
} from './reflector-metrics.js';

describe('createReflectorMetrics', () => {
  it('counts lists with their duration and items, and failed lists by reason', () => {
    const p = new MemoryMetricsProvider();
    const m = createReflectorMetrics(p, 'pods.v1');
    const name = { name: 'pods.v1' };
    m.listed?.({ durationMs: 250, items: 3 });
    m.listed?.({
      durationMs: 10,
      items: 0,
      error: Object.assign(new Error('no'), { code: 403, reason: 'Forbidden' }),
    });
    m.relist?.('list-error');
    expect(p.value(n.lists, name)).toBe(2);
    expect(p.histogramValue(n.listDuration, name).observations).toEqual([0.25, 0.01]);
    expect(p.histogramValue(n.itemsPerList, name).observations).toEqual([3]);
    expect(p.value(n.listErrors, { name: 'pods.v1', reason: 'Forbidden' })).toBe(1);
    expect(p.value(n.relists, { name: 'pods.v1', reason: 'list-error' })).toBe(1);
  });

  it('counts watches, how each ended, short watches, events by type and decode errors', () => {
    const p = new MemoryMetricsProvider();
    const m = createReflectorMetrics(p, 'pods.v1');
    const name = { name: 'pods.v1' };
    m.watchStarted?.();
    m.event?.('ADDED');
    m.event?.('MODIFIED');
    m.event?.('BOOKMARK');
    m.watchEnded?.({ durationMs: 300_000, events: 3, reason: 'closed' });
    m.watchStarted?.();
    m.watchEnded?.({ durationMs: 20, events: 0, reason: 'very-short' });
    m.watchStarted?.();
    m.decodeError?.();
    m.watchEnded?.({ durationMs: 1000, events: 1, reason: 'decode-error' });
    expect(p.value(n.watches, name)).toBe(3);
    expect(p.value(n.shortWatches, name)).toBe(1);
    expect(p.histogramValue(n.watchDuration, name).observations).toEqual([300, 0.02, 1]);
    expect(p.histogramValue(n.itemsPerWatch, name).observations).toEqual([3, 0, 1]);
    expect(p.value(n.watchEnds, { name: 'pods.v1', reason: 'closed' })).toBe(1);
    expect(p.value(n.watchEnds, { name: 'pods.v1', reason: 'very-short' })).toBe(1);
    expect(p.value(n.watchEnds, { name: 'pods.v1', reason: 'decode-error' })).toBe(1);
    expect(p.value(n.events, { name: 'pods.v1', type: 'ADDED' })).toBe(1);
    expect(p.value(n.events, { name: 'pods.v1', type: 'BOOKMARK' })).toBe(1);
    expect(p.value(n.decodeErrors, name)).toBe(1);
  });

  it('reads the last resource version on scrape while attached, only when it is a number', () => {
    const p = new MemoryMetricsProvider();
    const m = createReflectorMetrics(p, 'pods.v1');
    let rv = '';
    const detach = m.attach!({ lastSyncResourceVersion: () => rv });
    expect(p.samples(n.lastResourceVersion)).toEqual([]);
    rv = '12345';
    expect(p.value(n.lastResourceVersion, { name: 'pods.v1' })).toBe(12345);
    rv = 'opaque-token';
    expect(p.samples(n.lastResourceVersion)).toEqual([]);
    rv = '7';
    detach();
    expect(p.samples(n.lastResourceVersion)).toEqual([]);
  });

  it('labels a failed list by Status reason, else code, else error name', () => {
    expect(errorReasonLabel(Object.assign(new Error('x'), { code: 410, reason: 'Expired' }))).toBe(
      'Expired',
    );
    expect(errorReasonLabel(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(
      'ECONNRESET',
    );
    expect(errorReasonLabel(new TypeError('x'))).toBe('TypeError');
  });
});

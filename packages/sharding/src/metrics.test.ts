import { MemoryMetricsProvider } from '@kubecache/core';
import { describe, expect, it } from 'vitest';
import { createShardingMetrics, shardingMetricNames } from './metrics.js';

describe('createShardingMetrics', () => {
  it('maps the callbacks onto gauge, counters and a histogram in seconds', () => {
    const provider = new MemoryMetricsProvider();
    const m = createShardingMetrics(provider);
    m.objectsAssigned?.('foos', 'shard-a', 12);
    m.assigned?.('foos', '', 'shard-a', 'unassigned');
    m.assigned?.('foos', 'shard-b', 'shard-a', 'dead-shard');
    m.assigned?.('foos', 'shard-b', 'shard-a', 'dead-shard');
    m.drainRequested?.('foos', 'shard-a');
    m.drainDurationMs?.('foos', 'shard-a', 250);
    const n = shardingMetricNames;
    expect(provider.value(n.objectsAssigned, { ring: 'foos', shard: 'shard-a' })).toBe(12);
    expect(
      provider.value(n.assignmentsTotal, {
        ring: 'foos',
        from: 'shard-b',
        to: 'shard-a',
        reason: 'dead-shard',
      }),
    ).toBe(2);
    expect(provider.value(n.drainsTotal, { ring: 'foos', from: 'shard-a' })).toBe(1);
    expect(provider.histogramValue(n.drainDurationSeconds, { ring: 'foos' }).observations).toEqual([
      0.25,
    ]);
    expect(provider.kind(n.drainDurationSeconds)).toBe('histogram');
  });
});

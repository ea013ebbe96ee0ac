// client-go's named workqueue metrics (component-base's prometheus workqueue provider) through a
// MetricsProvider, read back from core's MemoryMetricsProvider.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClock, MemoryMetricsProvider } from '@kubecache/core';
import { createQueue } from './queue.js';
import { isInvalidArgumentError } from './errors.js';
import { ItemExponentialFailureRateLimiter } from './rate-limiters.js';
import { createRateLimitingQueue } from './rate-limiting-queue.js';
import { createWorkqueueMetrics, workqueueMetricNames as n } from './workqueue-metrics.js';

/** Busy-waits `ms` of high-resolution time (Date.now may be frozen by the test). */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

describe('workqueue metrics on a MetricsProvider', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('measures sub-millisecond queue and work durations on the real clock (not rounded to 0 by Date.now)', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000); // a millisecond that never ends
    const p = new MemoryMetricsProvider();
    const q = createQueue<string>({ name: 'fast', metricsProvider: p });
    const name = { name: 'fast' };
    q.add('a');
    spin(0.2);
    await q.get();
    spin(0.2);
    q.done('a');
    const [queued] = p.histogramValue(n.queueDuration, name).observations;
    const [worked] = p.histogramValue(n.workDuration, name).observations;
    expect(queued).toBeGreaterThanOrEqual(0.0002);
    expect(worked).toBeGreaterThanOrEqual(0.0002);
    expect(worked).toBeLessThan(1);
    q.shutDown();
  });

  it("reports depth, adds, queue and work durations and retries under client-go's names, labelled with the queue name", async () => {
    const clock = new FakeClock();
    const p = new MemoryMetricsProvider();
    const q = createRateLimitingQueue<string>(
      new ItemExponentialFailureRateLimiter({ baseDelayMs: 5 }),
      {
        name: 'pods',
        clock,
        metricsProvider: p,
      },
    );
    const name = { name: 'pods' };
    q.add('a');
    q.add('b');
    q.add('a'); // de-duplicated
    expect(p.value(n.adds, name)).toBe(2);
    expect(p.value(n.depth, name)).toBe(2);

    await clock.advance(250);
    const got = await q.get();
    expect(got).toEqual({ item: 'a', shutdown: false });
    expect(p.value(n.depth, name)).toBe(1);
    expect(p.histogramValue(n.queueDuration, name).observations).toEqual([0.25]);

    await clock.advance(1500);
    q.addRateLimited('a'); // a failure: retried after 5 ms
    q.done('a');
    expect(p.value(n.retries, name)).toBe(1);
    expect(p.histogramValue(n.workDuration, name).observations).toEqual([1.5]);

    await clock.advance(5);
    expect(p.value(n.adds, name)).toBe(3);
    expect(p.value(n.depth, name)).toBe(2);
    q.shutDown();
  });

  it('computes unfinished work and the longest-running item when read, without any timer', async () => {
    const clock = new FakeClock();
    const p = new MemoryMetricsProvider();
    const q = createQueue<string>({ name: 'nodes', clock, metricsProvider: p });
    const name = { name: 'nodes' };
    q.add('a');
    q.add('b');
    await q.get();
    await clock.advance(2000);
    await q.get();
    await clock.advance(1000); // a: 3 s, b: 1 s
    expect(clock.pendingTimers()).toBe(0);
    expect(p.value(n.unfinishedWork, name)).toBe(4);
    expect(p.value(n.longestRunningProcessor, name)).toBe(3);
    q.done('a');
    expect(p.value(n.unfinishedWork, name)).toBe(1);
    q.done('b');
    expect(p.value(n.longestRunningProcessor, name)).toBe(0);

    q.shutDown(); // a queue that is gone no longer reports its gauges
    expect(p.samples(n.unfinishedWork)).toEqual([]);
  });

  it('keeps the series of several queues apart by their name label', () => {
    const p = new MemoryMetricsProvider();
    const a = createQueue<string>({ name: 'a', metricsProvider: p });
    const b = createQueue<string>({ name: 'b', metricsProvider: p });
    a.add('x');
    b.add('x');
    b.add('y');
    expect(p.value(n.adds, { name: 'a' })).toBe(1);
    expect(p.value(n.adds, { name: 'b' })).toBe(2);
    expect(p.samples(n.unfinishedWork).map((s) => s.labels.name)).toEqual(['a', 'b']);
    a.shutDown();
    b.shutDown();
  });

  it('refuses a metricsProvider without a queue name, or together with metrics hooks', () => {
    const p = new MemoryMetricsProvider();
    let caught: unknown;
    try {
      createQueue<string>({ metricsProvider: p });
    } catch (err) {
      caught = err;
    }
    expect(isInvalidArgumentError(caught)).toBe(true);
    expect(() => createQueue<string>({ name: 'q', metricsProvider: p, metrics: {} })).toThrow(
      /not both/,
    );
  });

  it('can be combined with hooks of your own by building them explicitly', () => {
    const p = new MemoryMetricsProvider();
    const named = createWorkqueueMetrics(p, 'mixed');
    let mine = 0;
    const q = createQueue<string>({
      name: 'mixed',
      metrics: { ...named, add: () => (named.add?.(), mine++) },
    });
    q.add('x');
    expect(mine).toBe(1);
    expect(p.value(n.adds, { name: 'mixed' })).toBe(1);
    q.shutDown();
  });
});

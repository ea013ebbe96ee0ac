// Behaviours of client-go util/workqueue metrics_test.go (TestMetrics, TestMetricShutdown,
// TestRetriesMetric), with a FakeClock and a recording provider.
import { describe, expect, it } from 'vitest';
import { FakeClock, type Logger } from '@kubecache/core';
import { createDelayingQueue } from './delaying-queue.js';
import { noopMetricsProvider, type WorkqueueMetricsProvider } from './metrics.js';
import { createQueue } from './queue.js';
import { ItemExponentialFailureRateLimiter } from './rate-limiters.js';
import { createRateLimitingQueue } from './rate-limiting-queue.js';

function recorder() {
  const seen = {
    adds: 0,
    retries: 0,
    depth: [] as number[],
    latency: [] as number[],
    work: [] as number[],
    unfinished: [] as number[],
    longest: [] as number[],
  };
  const provider: WorkqueueMetricsProvider = {
    add: () => void seen.adds++,
    retry: () => void seen.retries++,
    depth: (n) => seen.depth.push(n),
    queueLatency: (ms) => seen.latency.push(ms),
    workDuration: (ms) => seen.work.push(ms),
    unfinishedWork: (ms) => seen.unfinished.push(ms),
    longestRunningProcessor: (ms) => seen.longest.push(ms),
  };
  return { seen, provider };
}

describe('workqueue metrics', () => {
  it('reports adds, depth, queue latency and work duration with the values client-go reports', async () => {
    const clock = new FakeClock();
    const { seen, provider } = recorder();
    const q = createQueue<string>({ clock, metrics: provider });
    q.add('foo');
    q.add('foo'); // de-duplicated: not counted
    expect(seen.adds).toBe(1);
    expect(seen.depth).toEqual([1]);

    await clock.advance(50);
    await q.get();
    expect(seen.depth).toEqual([1, 0]);
    expect(seen.latency).toEqual([50]);

    // Added again while processing: counted in depth although not yet queued, like client-go.
    q.add('foo');
    expect(seen.depth).toEqual([1, 0, 1]);
    expect(q.len()).toBe(0);

    await clock.advance(25);
    q.done('foo');
    expect(seen.work).toEqual([25]);

    await q.get(); // the re-queued item waited since its add during processing
    expect(seen.latency).toEqual([50, 25]);
    expect(seen.depth).toEqual([1, 0, 1, 0]);
    q.done('foo');
    expect(seen.adds).toBe(2);
    q.shutDown();
  });

  it('reports unfinished work and the longest-running item every period while items are processed', async () => {
    const clock = new FakeClock();
    const { seen, provider } = recorder();
    const q = createQueue<string>({ clock, metrics: provider, metricsUpdatePeriodMs: 100 });
    q.add('a');
    q.add('b');
    expect(clock.pendingTimers()).toBe(0); // nothing processed yet: no timer
    await q.get();
    await clock.advance(50);
    await q.get();
    await clock.advance(50); // a: 100 ms, b: 50 ms
    expect(seen.unfinished).toEqual([150]);
    expect(seen.longest).toEqual([100]);
    expect(q.unfinishedWorkMs()).toBe(150);
    expect(q.longestRunningProcessorMs()).toBe(100);
    await clock.advance(100); // a: 200 ms, b: 150 ms
    expect(seen.unfinished).toEqual([150, 350]);
    expect(seen.longest).toEqual([100, 200]);

    q.done('a');
    q.done('b'); // the last one: a final report of zero, and the timer is released
    expect(seen.unfinished).toEqual([150, 350, 0]);
    expect(seen.longest).toEqual([100, 200, 0]);
    expect(clock.pendingTimers()).toBe(0);
    q.shutDown();
  });

  it('stops reporting unfinished work at shutdown and leaves no timer', async () => {
    const clock = new FakeClock();
    const { seen, provider } = recorder();
    const q = createQueue<string>({ clock, metrics: provider, metricsUpdatePeriodMs: 100 });
    q.add('a');
    await q.get();
    expect(clock.pendingTimers()).toBe(1);
    q.shutDown();
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(1000);
    expect(seen.unfinished).toEqual([]);
    q.done('a');
    expect(seen.work).toEqual([1000]);
  });

  it('counts a retry for every addAfter and addRateLimited, but not after shutdown', async () => {
    const clock = new FakeClock();
    const { seen, provider } = recorder();
    const dq = createDelayingQueue<string>({ clock, metrics: provider });
    dq.addAfter('a', 10);
    dq.addAfter('b', 0);
    expect(seen.retries).toBe(2);
    dq.shutDown();
    dq.addAfter('c', 10);
    expect(seen.retries).toBe(2);

    const rq = createRateLimitingQueue<string>(
      new ItemExponentialFailureRateLimiter({ baseDelayMs: 1 }),
      { clock, metrics: provider },
    );
    rq.addRateLimited('x');
    rq.addRateLimited('x');
    expect(seen.retries).toBe(4);
    await clock.advance(10);
    rq.shutDown();
  });

  it('works with a provider that implements only some hooks, and with the no-op default', async () => {
    const clock = new FakeClock();
    const depths: number[] = [];
    const partial = createQueue<string>({ clock, metrics: { depth: (n) => depths.push(n) } });
    partial.add('a');
    await partial.get();
    partial.done('a');
    expect(depths).toEqual([1, 0]);
    expect(clock.pendingTimers()).toBe(0); // no unfinished-work hooks: no timer at all

    const quiet = createQueue<string>({ clock, metrics: noopMetricsProvider });
    quiet.add('a');
    await quiet.get();
    expect(clock.pendingTimers()).toBe(0);
    quiet.done('a');
  });

  it('hands the queue gauges to attach at creation and takes them back at shutdown, with no timer', async () => {
    const clock = new FakeClock();
    let gauges: { unfinishedWorkMs(): number } | undefined;
    let detached = 0;
    const q = createQueue<string>({
      clock,
      metrics: {
        attach: (g) => {
          gauges = g;
          return () => void detached++;
        },
      },
    });
    q.add('a');
    await q.get();
    await clock.advance(40);
    expect(gauges?.unfinishedWorkMs()).toBe(40);
    expect(clock.pendingTimers()).toBe(0);
    q.shutDown();
    q.shutDown();
    expect(detached).toBe(1);
  });

  it('keeps working when a hook throws: the item is not lost, and the failure is logged once', async () => {
    const clock = new FakeClock();
    const warnings: unknown[][] = [];
    const logger = quietLogger((obj, msg) => warnings.push([obj, msg]));
    let calls = 0;
    const q = createQueue<string>({
      clock,
      name: 'pods',
      logger,
      metrics: {
        add: () => {
          calls++;
          throw new Error('backend down');
        },
      },
    });
    expect(() => {
      q.add('a');
      q.add('b');
    }).not.toThrow();
    expect(calls).toBe(2);
    expect(q.len()).toBe(2);
    expect(await q.get()).toEqual({ item: 'a', shutdown: false });
    q.add('a'); // while processing: deferred to done, not lost
    q.done('a');
    expect(await q.get()).toEqual({ item: 'b', shutdown: false });
    expect(await q.get()).toEqual({ item: 'a', shutdown: false });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toEqual([
      {
        component: 'workqueue',
        resource: 'pods',
        hook: 'add',
        err: expect.objectContaining({ message: 'backend down' }),
      },
      'metrics hook failed',
    ]);
    q.shutDown();
  });

  it('survives every hook throwing, attach and its detach function included, and a revoked provider', async () => {
    const clock = new FakeClock();
    const hooks: string[] = [];
    const logger = quietLogger((obj) => hooks.push((obj as { hook: string }).hook));
    const boom = (): never => {
      throw new Error('boom');
    };
    const provider: WorkqueueMetricsProvider = {
      add: boom,
      depth: boom,
      queueLatency: boom,
      workDuration: boom,
      unfinishedWork: boom,
      longestRunningProcessor: boom,
      retry: boom,
      attach: () => boom,
    };
    const q = createDelayingQueue<string>({
      clock,
      logger,
      metrics: provider,
      metricsUpdatePeriodMs: 10,
    });
    q.add('a');
    q.addAfter('b', 5);
    expect(await q.get()).toEqual({ item: 'a', shutdown: false });
    await clock.advance(20); // the unfinished-work timer fires; 'b' is added
    q.done('a');
    expect(await q.get()).toEqual({ item: 'b', shutdown: false });
    q.done('b');
    q.shutDown(); // calls the throwing detach function
    expect(hooks.sort()).toEqual([
      'add',
      'attach',
      'depth',
      'longestRunningProcessor',
      'queueLatency',
      'retry',
      'unfinishedWork',
      'workDuration',
    ]);

    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const revoked = createQueue<string>({
      clock,
      logger: quietLogger(() => undefined),
      metrics: proxy,
    });
    revoked.add('x');
    expect(await revoked.get()).toEqual({ item: 'x', shutdown: false });
    revoked.done('x');
    revoked.shutDown();
  });

  it('keeps working when the logger itself throws', async () => {
    const throwing = quietLogger(() => {
      throw new Error('logger down');
    });
    const q = createQueue<string>({
      logger: throwing,
      metrics: {
        depth: () => {
          throw new Error('boom');
        },
      },
    });
    q.add('a');
    expect(await q.get()).toEqual({ item: 'a', shutdown: false });
    q.done('a');
    q.shutDown();
  });
});

/** A logger whose warn calls `onWarn`; every other level is dropped. */
function quietLogger(onWarn: (obj: object | string, msg?: string) => void): Logger {
  const drop = (): void => undefined;
  return { debug: drop, info: drop, warn: onWarn, error: drop };
}

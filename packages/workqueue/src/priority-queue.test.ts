// Behaviours of controller-runtime pkg/controller/priorityqueue/priorityqueue_test.go, re-expressed
// for promises and a FakeClock, plus client-go's queue semantics the priority queue keeps.
import { describe, expect, it } from 'vitest';
import {
  FakeClock,
  MemoryMetricsProvider,
  isAbortError,
  silentLogger,
  type Logger,
} from '@kubecache/core';
import { isInvalidArgumentError } from './errors.js';
import { createPriorityQueue, isPriorityQueue, lowPriority } from './priority-queue.js';
import { ItemExponentialFailureRateLimiter, type TypedRateLimiter } from './rate-limiters.js';
import { createRateLimitingQueue } from './rate-limiting-queue.js';
import { workqueueMetricNames as n } from './workqueue-metrics.js';

/** Lets every pending promise callback run. */
async function settle(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Takes `n` items (which must be ready), marking each done. */
async function drain(q: ReturnType<typeof createPriorityQueue<string>>, n: number) {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await q.get();
    if (r.shutdown) throw new Error('unexpected shutdown');
    out.push(r.item);
    q.done(r.item);
  }
  return out;
}

describe('PriorityQueue', () => {
  it('hands out the highest priority first, FIFO within a priority', async () => {
    const q = createPriorityQueue<string>({ clock: new FakeClock() });
    q.addWithOptions('low-1', { priority: lowPriority });
    q.addWithOptions('low-2', { priority: lowPriority });
    q.add('normal-1');
    q.addWithOptions('high', { priority: 10 });
    q.add('normal-2');
    q.addWithOptions('low-3', { priority: lowPriority });
    expect(q.len()).toBe(6);
    expect(await drain(q, 6)).toEqual(['high', 'normal-1', 'normal-2', 'low-1', 'low-2', 'low-3']);
  });

  it('a fresh change overtakes 10,000 queued startup items (priority is not ignored)', async () => {
    const q = createPriorityQueue<string>();
    for (let i = 0; i < 10_000; i++) q.addWithOptions(`startup-${i}`, { priority: lowPriority });
    q.add('fresh');
    const r = await q.get();
    expect(r).toEqual({ item: 'fresh', priority: 0, shutdown: false });
    // The FIFO rate-limited queue hands out the first startup item instead.
    const fifo = createRateLimitingQueue<string>();
    for (let i = 0; i < 10_000; i++) fifo.add(`startup-${i}`);
    fifo.add('fresh');
    expect(await fifo.get()).toEqual({ item: 'startup-0', shutdown: false });
    q.shutDown();
    fifo.shutDown();
  });

  it('de-duplicates: a queued item keeps the higher priority and joins the back of it', async () => {
    const q = createPriorityQueue<string>({ clock: new FakeClock() });
    q.addWithOptions('a', { priority: lowPriority });
    q.add('b');
    q.addWithOptions('a', { priority: 0 }); // raised: behind b, which was at 0 first
    q.addWithOptions('b', { priority: lowPriority }); // never lowered
    expect(q.len()).toBe(2);
    expect(await q.get()).toEqual({ item: 'b', priority: 0, shutdown: false });
    expect(await q.get()).toEqual({ item: 'a', priority: 0, shutdown: false });
  });

  it('keeps the earlier ready time: a delayed item added for now is ready at once', async () => {
    const clock = new FakeClock();
    const q = createPriorityQueue<string>({ clock });
    q.addAfter('a', 1000);
    q.addAfter('a', 5000); // later: ignored
    expect(q.waitingLen()).toBe(1);
    await clock.advance(999);
    expect(q.len()).toBe(0);
    await clock.advance(1);
    expect(q.len()).toBe(1);
    q.addAfter('b', 1000);
    q.add('b'); // earlier: ready now
    expect(q.waitingLen()).toBe(0);
    expect(await drain(q, 2)).toEqual(['a', 'b']);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a delayed add of a ready item changes nothing: handed out once, not again later', async () => {
    const clock = new FakeClock();
    const q = createPriorityQueue<string>({ clock });
    q.add('a');
    q.addAfter('a', 100);
    expect(q.waitingLen()).toBe(0);
    expect(await drain(q, 1)).toEqual(['a']);
    await clock.advance(1000);
    expect(q.len()).toBe(0);
  });

  it('orders delayed items by priority once they are ready', async () => {
    const clock = new FakeClock();
    const q = createPriorityQueue<string>({ clock });
    q.addWithOptions('low', { priority: lowPriority }); // ready now
    q.addWithOptions('high-later', { afterMs: 50, priority: 5 });
    q.addWithOptions('mid-later', { afterMs: 10 });
    await clock.advance(100);
    expect(await drain(q, 3)).toEqual(['high-later', 'mid-later', 'low']);
  });

  it('within a priority, orders by the time an item became ready', async () => {
    const clock = new FakeClock();
    const q = createPriorityQueue<string>({ clock });
    q.addAfter('delayed', 10); // ready at 10
    await clock.advance(20);
    q.add('fresh'); // ready at 20
    expect(await drain(q, 2)).toEqual(['delayed', 'fresh']);
  });

  it('wakes a waiting get with the best item that became ready at the same time', async () => {
    const clock = new FakeClock();
    const q = createPriorityQueue<string>({ clock });
    const got = q.get();
    q.addWithOptions('low', { afterMs: 10, priority: lowPriority });
    q.addWithOptions('high', { afterMs: 10, priority: 1 });
    await clock.advance(10);
    expect(await got).toEqual({ item: 'high', priority: 1, shutdown: false });
  });

  it('never hands an item to two workers; a re-add while processed waits for done', async () => {
    const q = createPriorityQueue<string>({ clock: new FakeClock() });
    q.add('a');
    expect(await q.get()).toMatchObject({ item: 'a' });
    q.addWithOptions('a', { priority: 3 });
    q.add('b');
    expect(q.len()).toBe(1); // only b
    expect(await q.get()).toMatchObject({ item: 'b' });
    const next = q.get();
    await settle();
    q.done('a'); // now a is handed out, with the priority it was re-added with
    expect(await next).toEqual({ item: 'a', priority: 3, shutdown: false });
  });

  it('serves waiting gets in arrival order; an aborted get loses nothing', async () => {
    const q = createPriorityQueue<string>({ clock: new FakeClock() });
    const ac = new AbortController();
    const first = q.get(ac.signal);
    const second = q.get();
    ac.abort();
    await expect(first).rejects.toSatisfy(isAbortError);
    q.add('x');
    expect(await second).toEqual({ item: 'x', priority: 0, shutdown: false });
  });

  it('rate limits: addRateLimited waits the limiter’s delay; with afterMs the shorter wins', async () => {
    const clock = new FakeClock();
    const q = createPriorityQueue<string>({
      clock,
      rateLimiter: new ItemExponentialFailureRateLimiter({ baseDelayMs: 100, maxDelayMs: 1e6 }),
    });
    q.addRateLimited('a'); // 100 ms
    expect(q.numRequeues('a')).toBe(1);
    q.addWithOptions('b', { rateLimited: true, afterMs: 30 }); // min(100, 30)
    q.addWithOptions('c', { rateLimited: true, afterMs: 500, priority: 2 }); // min(100, 500)
    await clock.advance(30);
    expect(await drain(q, 1)).toEqual(['b']);
    await clock.advance(70);
    expect(await drain(q, 2)).toEqual(['c', 'a']);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
  });

  it('leaves the queue unchanged when a rate limiter of your own throws', () => {
    const limiter: TypedRateLimiter<string> = {
      when: () => {
        throw new Error('limiter broke');
      },
      forget: () => undefined,
      numRequeues: () => 0,
    };
    const q = createPriorityQueue<string>({ rateLimiter: limiter });
    expect(() => q.addRateLimited('a')).toThrow('limiter broke');
    expect(q.len() + q.waitingLen()).toBe(0);
    q.shutDown();
  });

  it('refuses a priority that is not a safe integer, and stays unchanged', () => {
    const q = createPriorityQueue<string>();
    for (const bad of [1.5, Number.NaN, Infinity, 2 ** 60, '1' as unknown as number]) {
      let thrown: unknown;
      try {
        q.addWithOptions('a', { priority: bad });
      } catch (err) {
        thrown = err;
      }
      expect(isInvalidArgumentError(thrown)).toBe(true);
    }
    expect(() => q.addWithOptions('a', { priority: 1.5 })).toThrow(
      'priority: expected a safe integer, got 1.5',
    );
    expect(q.len()).toBe(0);
    q.shutDown();
  });

  it('handles NaN and Infinity delays as addAfter does, reporting NaN once', async () => {
    const clock = new FakeClock();
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (_f, msg) => warnings.push(String(msg)) };
    const q = createPriorityQueue<string>({ clock, logger });
    q.addAfter('nan', Number.NaN);
    q.addAfter('nan2', Number.NaN);
    q.addAfter('inf', Infinity);
    expect(q.len()).toBe(2);
    expect(q.waitingLen()).toBe(1);
    expect(warnings).toEqual([
      'addAfter got a delay that is not a number; the item is added at once',
    ]);
    q.shutDown();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('shutDown: ignores adds, still hands out ready items by priority, drops delayed ones', async () => {
    const clock = new FakeClock();
    const q = createPriorityQueue<string>({ clock });
    q.addWithOptions('low', { priority: lowPriority });
    q.add('normal');
    q.addAfter('later', 10);
    q.shutDown();
    q.add('ignored');
    expect(q.shuttingDown()).toBe(true);
    expect(q.waitingLen()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    expect(await drain(q, 2)).toEqual(['normal', 'low']);
    expect(await q.get()).toEqual({ shutdown: true });
  });

  it('shutDown releases waiting gets', async () => {
    const q = createPriorityQueue<string>();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toEqual({ shutdown: true });
  });

  it('shutDownWithDrain resolves once every item being processed is done', async () => {
    const q = createPriorityQueue<string>({ clock: new FakeClock() });
    q.add('a');
    await q.get();
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => (drained = true));
    await settle();
    expect(drained).toBe(false);
    q.done('a');
    await drain;
    expect(drained).toBe(true);
    await q.shutDownWithDrain(); // nothing processed: at once
  });

  it('feeds the metrics hooks: an item counts as added when it becomes ready', async () => {
    const clock = new FakeClock();
    const calls: string[] = [];
    const q = createPriorityQueue<string>({
      clock,
      metrics: {
        add: () => calls.push('add'),
        depth: (d) => calls.push(`depth ${d}`),
        retry: () => calls.push('retry'),
        queueLatency: (ms) => calls.push(`latency ${ms}`),
        workDuration: (ms) => calls.push(`work ${ms}`),
      },
    });
    q.add('a');
    q.add('a'); // de-duplicated: nothing
    q.addAfter('b', 10);
    expect(calls).toEqual(['add', 'depth 1', 'retry']);
    await clock.advance(10);
    expect(calls.slice(3)).toEqual(['add', 'depth 2']);
    await q.get(); // a, queued since 0
    await clock.advance(5);
    q.done('a');
    expect(calls.slice(5)).toEqual(['depth 1', 'latency 10', 'work 5']);
    q.shutDown();
  });

  it("reports client-go's named metrics through metricsProvider, as the FIFO queue does", async () => {
    const clock = new FakeClock();
    const p = new MemoryMetricsProvider();
    const q = createPriorityQueue<string>({
      name: 'pods',
      clock,
      metricsProvider: p,
      rateLimiter: new ItemExponentialFailureRateLimiter({ baseDelayMs: 5 }),
    });
    const name = { name: 'pods' };
    q.addWithOptions('a', { priority: lowPriority });
    q.add('b');
    q.add('a'); // de-duplicated (its priority is raised)
    expect(p.value(n.adds, name)).toBe(2);
    expect(p.value(n.depth, name)).toBe(2);
    await clock.advance(250);
    expect(await q.get()).toEqual({ item: 'b', priority: 0, shutdown: false });
    expect(p.value(n.depth, name)).toBe(1);
    expect(p.histogramValue(n.queueDuration, name).observations).toEqual([0.25]);
    await clock.advance(1500);
    q.addRateLimited('b'); // retried after 5 ms
    q.done('b');
    expect(p.value(n.retries, name)).toBe(1);
    expect(p.histogramValue(n.workDuration, name).observations).toEqual([1.5]);
    await clock.advance(5);
    expect(p.value(n.adds, name)).toBe(3);
    expect(p.value(n.depth, name)).toBe(2);
    q.shutDown();
  });

  it('keeps working when a metrics hook throws, and logs the hook once', async () => {
    const warnings: unknown[] = [];
    const logger: Logger = { ...silentLogger, warn: (fields) => warnings.push(fields) };
    const q = createPriorityQueue<string>({
      logger,
      metrics: {
        add: () => {
          throw new Error('registry is closed');
        },
      },
    });
    q.addWithOptions('a', { priority: lowPriority });
    q.add('b');
    expect(await drain(q, 2)).toEqual(['b', 'a']);
    expect(warnings).toEqual([expect.objectContaining({ hook: 'add' })]);
    q.shutDown();
  });

  it('is recognised by isPriorityQueue, and the FIFO queue is not', () => {
    expect(isPriorityQueue(createPriorityQueue<string>())).toBe(true);
    expect(isPriorityQueue(createRateLimitingQueue<string>())).toBe(false);
  });

  it('refuses the options every queue refuses', () => {
    expect(() => createPriorityQueue({ metricsUpdatePeriodMs: 0 })).toThrow(
      'metricsUpdatePeriodMs: expected a finite number ≥ 1, got 0',
    );
  });
});

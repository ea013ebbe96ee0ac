// Behaviours of client-go util/workqueue queue_test.go, re-expressed.
import { describe, expect, it } from 'vitest';
import { FakeClock, isAbortError } from '@kubecache/core';
import { createQueue } from './queue.js';

describe('WorkQueue', () => {
  it('hands out items in order and de-duplicates queued items (TestBasic, TestAddTwice)', async () => {
    const q = createQueue<string>();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.len()).toBe(2);
    expect(await q.get()).toEqual({ item: 'a', shutdown: false });
    expect(await q.get()).toEqual({ item: 'b', shutdown: false });
  });

  it('re-queues an item added while processing only after done (TestAddWhileProcessing)', async () => {
    const q = createQueue<string>();
    q.add('a');
    const first = await q.get();
    q.add('a');
    expect(q.len()).toBe(0); // not handed to a second worker
    q.done('a');
    expect(q.len()).toBe(1);
    expect(first).toEqual({ item: 'a', shutdown: false });
    expect((await q.get()).shutdown).toBe(false);
  });

  it('wakes waiting workers in order, and an aborted get loses nothing', async () => {
    const q = createQueue<string>();
    const w1 = q.get();
    const ac = new AbortController();
    const w2 = q.get(ac.signal);
    const w3 = q.get();
    ac.abort();
    await expect(w2).rejects.toSatisfy(isAbortError);
    q.add('x');
    q.add('y');
    expect(await w1).toEqual({ item: 'x', shutdown: false });
    expect(await w3).toEqual({ item: 'y', shutdown: false });
  });

  it('shutDown wakes waiters with shutdown after handing out queued items, and ignores later adds (TestShutDown)', async () => {
    const q = createQueue<string>();
    q.add('left');
    const waiting = [q.get(), q.get()];
    q.shutDown();
    expect(await waiting[0]).toEqual({ item: 'left', shutdown: false });
    expect(await waiting[1]).toEqual({ shutdown: true });
    q.add('late');
    expect(q.len()).toBe(0);
    expect(await q.get()).toEqual({ shutdown: true });
    expect(q.shuttingDown()).toBe(true);
  });

  it('shutDownWithDrain waits for items in processing to be done (TestQueueDrainageUsingShutDownWithDrain)', async () => {
    const q = createQueue<string>();
    q.add('a');
    await q.get();
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(drained).toBe(false);
    q.done('a');
    await drain;
    expect(drained).toBe(true);
    await createQueue<string>().shutDownWithDrain(); // nothing in flight: resolves at once
  });

  it('reports metrics: adds, depth, queue latency, work duration, unfinished work', async () => {
    const clock = new FakeClock();
    const seen = { adds: 0, depth: [] as number[], latency: [] as number[], work: [] as number[] };
    const q = createQueue<string>({
      clock,
      metrics: {
        add: () => void seen.adds++,
        depth: (d) => seen.depth.push(d),
        queueLatency: (ms) => seen.latency.push(ms),
        workDuration: (ms) => seen.work.push(ms),
      },
    });
    q.add('a');
    q.add('a');
    await clock.advance(30);
    await q.get();
    await clock.advance(70);
    expect(q.unfinishedWorkMs()).toBe(70);
    expect(q.longestRunningProcessorMs()).toBe(70);
    q.done('a');
    expect(seen).toEqual({ adds: 1, depth: [1, 0], latency: [30], work: [70] });
  });

  it('keeps O(1) operations on a long queue: 100k items in order', async () => {
    const q = createQueue<number>();
    for (let i = 0; i < 100_000; i++) q.add(i);
    let ok = true;
    for (let i = 0; i < 100_000; i++) {
      const r = await q.get();
      if (r.shutdown || r.item !== i) ok = false;
      if (!r.shutdown) q.done(r.item);
    }
    expect(ok).toBe(true);
  });
});

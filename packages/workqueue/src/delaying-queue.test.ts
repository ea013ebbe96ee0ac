// Behaviours of client-go util/workqueue delaying_queue_test.go, re-expressed with a FakeClock.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '@kubecache/core';
import { createDelayingQueue } from './delaying-queue.js';

describe('DelayingQueue', () => {
  it('adds an item only after its delay (TestSimpleQueue)', async () => {
    const clock = new FakeClock();
    const q = createDelayingQueue<string>({ clock });
    q.addAfter('a', 50);
    expect(q.len()).toBe(0);
    await clock.advance(49);
    expect(q.len()).toBe(0);
    await clock.advance(1);
    expect(q.len()).toBe(1);
    expect(q.waitingLen()).toBe(0);
  });

  it('keeps the earliest time for an item added twice (TestDeduping)', async () => {
    const clock = new FakeClock();
    const q = createDelayingQueue<string>({ clock });
    q.addAfter('a', 50);
    q.addAfter('a', 70);
    expect(q.waitingLen()).toBe(1);
    await clock.advance(50);
    expect(q.len()).toBe(1);
    await q.get();
    q.done('a');
    q.addAfter('b', 50);
    q.addAfter('b', 20);
    await clock.advance(20);
    expect(q.len()).toBe(1);
  });

  it('releases items in ready-time order whatever the insertion order (TestAddTwoFireEarly, heap order)', async () => {
    const clock = new FakeClock();
    const q = createDelayingQueue<string>({ clock });
    const delays: [string, number][] = [
      ['e', 50],
      ['a', 10],
      ['d', 40],
      ['b', 20],
      ['c', 30],
    ];
    for (const [item, ms] of delays) q.addAfter(item, ms);
    q.addAfter('now', 0);
    await clock.advance(100);
    const out: string[] = [];
    while (q.len() > 0) {
      const r = await q.get();
      if (!r.shutdown) out.push(r.item);
    }
    expect(out).toEqual(['now', 'a', 'b', 'c', 'd', 'e']);
  });

  it('cancels its timer on shutdown, leaving no pending timers', async () => {
    const clock = new FakeClock();
    const q = createDelayingQueue<string>({ clock });
    q.addAfter('a', 1000);
    expect(clock.pendingTimers()).toBe(1);
    q.shutDown();
    expect(clock.pendingTimers()).toBe(0);
    q.addAfter('b', 10);
    expect(q.waitingLen()).toBe(0);
  });
});

// Behaviours of client-go util/workqueue queue_test.go, re-expressed for promises.
import { describe, expect, it } from 'vitest';
import { isAbortError } from '@kubecache/core';
import { isInvalidArgumentError } from './errors.js';
import { createQueue } from './queue.js';

/** Lets every pending promise callback run. */
async function settle(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('WorkQueue', () => {
  it('hands out items in order and counts a queued item once', async () => {
    const q = createQueue<string>();
    q.add('foo');
    q.add('bar');
    q.add('foo');
    expect(q.len()).toBe(2);
    expect(await q.get()).toEqual({ item: 'foo', shutdown: false });
    expect(await q.get()).toEqual({ item: 'bar', shutdown: false });
    expect(q.len()).toBe(0);
  });

  it('re-queues an item added while it is processed only after done (TestReinsert)', async () => {
    const q = createQueue<string>();
    q.add('foo');
    expect(await q.get()).toEqual({ item: 'foo', shutdown: false });
    q.add('foo');
    expect(q.len()).toBe(0); // never handed to a second worker while processed
    q.done('foo');
    expect(q.len()).toBe(1);
    expect(await q.get()).toEqual({ item: 'foo', shutdown: false });
    q.done('foo');
    expect(q.len()).toBe(0);
  });

  it('compares strings by value and objects by identity', () => {
    const q = createQueue<unknown>();
    const obj = { key: 'a' };
    q.add('a');
    q.add('a');
    q.add(obj);
    q.add(obj);
    q.add({ key: 'a' });
    expect(q.len()).toBe(3);
  });

  it('tolerates done for an item that is not being processed', async () => {
    const q = createQueue<string>();
    q.done('never-added');
    q.add('a');
    q.done('a'); // queued, not processing: stays queued
    expect(q.len()).toBe(1);
    expect(await q.get()).toEqual({ item: 'a', shutdown: false });
  });

  it('wakes waiting workers in arrival order, and an aborted get loses no item', async () => {
    const q = createQueue<string>();
    const w1 = q.get();
    const ac = new AbortController();
    const w2 = q.get(ac.signal);
    const w3 = q.get();
    ac.abort(new Error('stop'));
    await expect(w2).rejects.toSatisfy(isAbortError);
    q.add('x');
    q.add('y');
    expect(await w1).toEqual({ item: 'x', shutdown: false });
    expect(await w3).toEqual({ item: 'y', shutdown: false });
  });

  it('gives a new item to the longest-waiting get, not to a get that arrives later', async () => {
    const q = createQueue<string>();
    const waiting = q.get();
    q.add('first');
    const later = q.get(); // arrives after the add, before the waiter resumes
    q.add('second');
    expect(await waiting).toEqual({ item: 'first', shutdown: false });
    expect(await later).toEqual({ item: 'second', shutdown: false });
  });

  it('rejects get with an already aborted signal and leaves the item queued', async () => {
    const q = createQueue<string>();
    q.add('a');
    const ac = new AbortController();
    ac.abort();
    const empty = createQueue<string>();
    await expect(empty.get(ac.signal)).rejects.toSatisfy(isAbortError);
    // An item that is already there is handed out without waiting, signal or not.
    expect(await q.get(ac.signal)).toEqual({ item: 'a', shutdown: false });
  });

  it('hands out queued items after shutDown, then resolves every get with shutdown and ignores adds', async () => {
    const q = createQueue<string>();
    q.add('left');
    q.shutDown();
    q.add('late');
    expect(q.shuttingDown()).toBe(true);
    expect(q.len()).toBe(1);
    expect(await q.get()).toEqual({ item: 'left', shutdown: false });
    expect(await q.get()).toEqual({ shutdown: true });
  });

  it('wakes every waiting get with shutdown when shut down', async () => {
    const q = createQueue<string>();
    const waiting = [q.get(), q.get(), q.get()];
    q.shutDown();
    expect(await Promise.all(waiting)).toEqual([
      { shutdown: true },
      { shutdown: true },
      { shutdown: true },
    ]);
  });

  it('does not wait for items being processed on a plain shutDown (TestNoQueueDrainageUsingShutDown)', async () => {
    const q = createQueue<string>();
    q.add('foo');
    q.add('bar');
    await q.get();
    await q.get();
    q.shutDown();
    expect(await q.get()).toEqual({ shutdown: true });
  });

  it('shutDownWithDrain resolves only once every processed item is done (TestQueueDrainageUsingShutDownWithDrain)', async () => {
    const q = createQueue<string>();
    q.add('foo');
    q.add('bar');
    await q.get();
    await q.get();
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => {
      drained = true;
    });
    expect(await q.get()).toEqual({ shutdown: true });
    q.done('foo');
    await settle();
    expect(drained).toBe(false);
    q.done('bar');
    await drain;
    expect(drained).toBe(true);
  });

  it('shutDownWithDrain resolves at once when nothing is being processed', async () => {
    const q = createQueue<string>();
    q.add('queued-only');
    await q.shutDownWithDrain();
    expect(q.shuttingDown()).toBe(true);
  });

  it('a shutDown during a drain ends the drain at once (TestForceQueueShutdownUsingShutDown)', async () => {
    const q = createQueue<string>();
    q.add('foo');
    await q.get();
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => {
      drained = true;
    });
    await settle();
    expect(drained).toBe(false);
    q.shutDown();
    await drain;
    expect(drained).toBe(true);
  });

  it('hands out an item re-added during processing even while draining (TestQueueDrainageUsingShutDownWithDrainWithDirtyItem)', async () => {
    const q = createQueue<string>();
    q.add('foo');
    await q.get();
    q.add('foo');
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => {
      drained = true;
    });
    expect(await q.get()).toEqual({ shutdown: true });
    q.done('foo');
    await settle();
    expect(drained).toBe(true); // nothing is processed any more, so a drain never hangs on it
    expect(await q.get()).toEqual({ item: 'foo', shutdown: false });
    q.done('foo');
    expect(await q.get()).toEqual({ shutdown: true });
    await drain;
  });

  it('never gives one item to two workers, and processes every add (TestBasic, TestAddWhileProcessing)', async () => {
    const q = createQueue<number>();
    const inFlight = new Set<number>();
    const processed = new Map<number, number>();
    let overlap = false;
    const worker = async (): Promise<void> => {
      for (;;) {
        const r = await q.get();
        if (r.shutdown) return;
        if (inFlight.has(r.item)) overlap = true;
        inFlight.add(r.item);
        const seen = (processed.get(r.item) ?? 0) + 1;
        processed.set(r.item, seen);
        if (seen < 2) q.add(r.item); // re-add while processing
        await settle();
        inFlight.delete(r.item);
        q.done(r.item);
      }
    };
    const workers = Array.from({ length: 5 }, () => worker());
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 20; i++) q.add(i);
      await settle();
    }
    while (q.len() > 0 || inFlight.size > 0) await settle();
    await q.shutDownWithDrain();
    await Promise.all(workers);
    expect(overlap).toBe(false);
    expect(processed.size).toBe(20);
    for (const count of processed.values()) expect(count).toBeGreaterThanOrEqual(2);
    expect(q.len()).toBe(0);
  });

  it('keeps add, get and done O(1): 100k items come out in order', async () => {
    const q = createQueue<number>();
    for (let i = 0; i < 100_000; i++) q.add(i);
    let inOrder = true;
    for (let i = 0; i < 100_000; i++) {
      const r = await q.get();
      if (r.shutdown || r.item !== i) inOrder = false;
      if (!r.shutdown) q.done(r.item);
    }
    expect(inOrder).toBe(true);
    expect(q.len()).toBe(0);
  });

  it('rejects a non-positive metrics update period with InvalidArgumentError', () => {
    expect(() => createQueue({ metricsUpdatePeriodMs: 0 })).toThrow(
      expect.toSatisfy(isInvalidArgumentError),
    );
  });

  it('loses no item to a get whose signal cannot be listened to', async () => {
    const q = createQueue<string>();
    const broken = {
      aborted: false,
      addEventListener: () => {
        throw new TypeError('not an AbortSignal');
      },
      removeEventListener: () => undefined,
    } as unknown as AbortSignal;
    await expect(q.get(broken)).rejects.toThrow('not an AbortSignal');
    q.add('a');
    expect(q.len()).toBe(1);
    expect(await q.get()).toEqual({ item: 'a', shutdown: false });
    q.shutDown();
  });
});

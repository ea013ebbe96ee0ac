// Behaviours of client-go util/workqueue delaying_queue_test.go, with a FakeClock.
import { describe, expect, it } from 'vitest';
import { FakeClock, silentLogger, type Logger } from '@kubecache/core';
import { createDelayingQueue } from './delaying-queue.js';

/** A logger that records every call. */
function captureLogger() {
  const lines: { level: string; obj: unknown; msg: string | undefined }[] = [];
  const at =
    (level: string) =>
    (obj: object | string, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { lines, logger };
}

async function drain(q: { len(): number; get(): Promise<unknown>; done(i: string): void }) {
  const out: string[] = [];
  while (q.len() > 0) {
    const r = (await q.get()) as { item: string; shutdown: false };
    out.push(r.item);
    q.done(r.item);
  }
  return out;
}

describe('DelayingQueue', () => {
  it('adds an item only once its delay has passed', async () => {
    const clock = new FakeClock();
    const q = createDelayingQueue<string>({ clock });
    q.addAfter('foo', 50);
    expect(q.len()).toBe(0);
    expect(q.waitingLen()).toBe(1);
    await clock.advance(49);
    expect(q.len()).toBe(0);
    await clock.advance(1);
    expect(q.len()).toBe(1);
    expect(q.waitingLen()).toBe(0);
    expect(await q.get()).toEqual({ item: 'foo', shutdown: false });
    q.done('foo');
    q.shutDown();
  });

  it('keeps the earliest ready time when an item is added twice', async () => {
    const clock = new FakeClock();
    const q = createDelayingQueue<string>({ clock });
    q.addAfter('foo', 50);
    q.addAfter('foo', 70);
    expect(q.waitingLen()).toBe(1);
    await clock.advance(50);
    expect(q.len()).toBe(1);
    expect(await drain(q)).toEqual(['foo']);
    await clock.advance(100);
    expect(q.len()).toBe(0); // the later request did not leave a second entry

    q.addAfter('bar', 50);
    q.addAfter('bar', 30);
    await clock.advance(30);
    expect(q.len()).toBe(1);
    q.shutDown();
  });

  it('releases items in ready-time order, whatever the order they were added in', async () => {
    const clock = new FakeClock();
    const q = createDelayingQueue<string>({ clock });
    const delays: [string, number][] = [
      ['e', 50],
      ['a', 10],
      ['d', 40],
      ['b', 20],
      ['c', 30],
      ['f', 60],
      ['g', 5],
    ];
    for (const [item, ms] of delays) q.addAfter(item, ms);
    q.addAfter('now', 0);
    expect(q.len()).toBe(1);
    await clock.advance(100);
    expect(await drain(q)).toEqual(['now', 'g', 'a', 'b', 'c', 'd', 'e', 'f']);
    q.shutDown();
  });

  it('fires each item at its own time when two wait (TestAddTwoFireEarly)', async () => {
    const clock = new FakeClock();
    const q = createDelayingQueue<string>({ clock });
    q.addAfter('foo', 1000);
    q.addAfter('bar', 50);
    await clock.advance(60);
    expect(await drain(q)).toEqual(['bar']);
    q.addAfter('foo', 20); // sooner than its pending entry
    await clock.advance(20);
    expect(await drain(q)).toEqual(['foo']);
    await clock.advance(2000);
    expect(q.len()).toBe(0);
    q.shutDown();
  });

  it('keeps a single timer, armed for the earliest deadline', async () => {
    const clock = new FakeClock();
    const q = createDelayingQueue<string>({ clock });
    q.addAfter('late', 500);
    q.addAfter('early', 100);
    q.addAfter('middle', 300);
    expect(clock.pendingDeadlines()).toEqual([100]);
    await clock.advance(100);
    expect(clock.pendingDeadlines()).toEqual([300]);
    q.shutDown();
  });

  it('waits out delays longer than Node’s timer limit without firing early', async () => {
    const clock = new FakeClock();
    const q = createDelayingQueue<string>({ clock });
    const longMs = 2 ** 31 + 5000;
    q.addAfter('far', longMs);
    await clock.advance(2 ** 31 - 1);
    expect(q.len()).toBe(0);
    expect(q.waitingLen()).toBe(1);
    await clock.advance(6000);
    expect(q.len()).toBe(1);
    q.shutDown();
  });

  it('drops waiting items and cancels its timer on shutdown, and ignores later addAfter', async () => {
    const clock = new FakeClock();
    const q = createDelayingQueue<string>({ clock });
    q.addAfter('a', 1000);
    q.addAfter('b', 10);
    expect(clock.pendingTimers()).toBe(1);
    q.shutDown();
    expect(clock.pendingTimers()).toBe(0);
    expect(q.waitingLen()).toBe(0);
    q.addAfter('c', 10);
    expect(q.waitingLen()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(2000);
    expect(await q.get()).toEqual({ shutdown: true });
  });

  it('cancels its timer when shut down with drain', async () => {
    const clock = new FakeClock();
    const q = createDelayingQueue<string>({ clock });
    q.addAfter('a', 1000);
    await q.shutDownWithDrain();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('adds at once for a delay ≤ 0, -Infinity included, as client-go', () => {
    const clock = new FakeClock();
    const q = createDelayingQueue<string>({ clock, logger: silentLogger });
    q.addAfter('zero', 0);
    q.addAfter('negative', -5);
    q.addAfter('minus-infinity', -Infinity);
    expect(q.len()).toBe(3);
    expect(q.waitingLen()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    q.shutDown();
  });

  it('adds at once for NaN or a delay that is not a number, and reports it once', () => {
    const clock = new FakeClock();
    const logs = captureLogger();
    const q = createDelayingQueue<string>({ clock, name: 'pods', logger: logs.logger });
    expect(() => {
      q.addAfter('a', Number.NaN);
      q.addAfter('b', '100' as unknown as number);
      q.addAfter('c', Number.NaN);
    }).not.toThrow();
    expect(q.len()).toBe(3);
    expect(clock.pendingTimers()).toBe(0);
    expect(logs.lines).toEqual([
      {
        level: 'warn',
        obj: { component: 'workqueue', resource: 'pods', delayMs: 'NaN' },
        msg: 'addAfter got a delay that is not a number; the item is added at once',
      },
    ]);
    q.shutDown();
  });

  it('waits an infinite delay as Go’s longest Duration, with a finite timer', async () => {
    const clock = new FakeClock();
    const q = createDelayingQueue<string>({ clock, logger: silentLogger });
    q.addAfter('never', Infinity);
    q.addAfter('huge', Number.MAX_VALUE);
    expect(q.waitingLen()).toBe(2);
    expect(clock.pendingDeadlines().every((t) => Number.isFinite(t))).toBe(true);
    await clock.advance(365 * 24 * 3600 * 1000); // a year
    expect(q.len()).toBe(0);
    expect(q.waitingLen()).toBe(2);
    q.shutDown();
    expect(clock.pendingTimers()).toBe(0);
  });
});

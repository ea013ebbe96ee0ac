// Behaviours of client-go util/workqueue rate_limiting_queue_test.go, with a FakeClock.
import { describe, expect, it } from 'vitest';
import { FakeClock, silentLogger } from '@kubecache/core';
import { ItemExponentialFailureRateLimiter, type TypedRateLimiter } from './rate-limiters.js';
import { createRateLimitingQueue } from './rate-limiting-queue.js';

describe('RateLimitingQueue', () => {
  it('adds an item after the limiter’s delay, counts requeues and forgets them', async () => {
    const clock = new FakeClock();
    const q = createRateLimitingQueue<string>(
      new ItemExponentialFailureRateLimiter({ baseDelayMs: 1, maxDelayMs: 1000 }),
      { clock },
    );
    q.addRateLimited('one');
    expect(q.waitingLen()).toBe(1);
    expect(q.len()).toBe(0);
    q.addRateLimited('one'); // 2 ms, but the pending 1 ms entry wins
    expect(q.waitingLen()).toBe(1);
    expect(q.numRequeues('one')).toBe(2);
    q.addRateLimited('two');
    expect(q.waitingLen()).toBe(2);
    expect(q.numRequeues('two')).toBe(1);

    await clock.advance(1);
    expect(q.waitingLen()).toBe(0);
    expect(q.len()).toBe(2);

    q.forget('one');
    expect(q.numRequeues('one')).toBe(0);
    expect(q.numRequeues('two')).toBe(1);
    expect(q.len()).toBe(2); // forget does not touch the queue
    q.shutDown();
  });

  it('runs the documented worker loop: failures back off, a success is forgotten', async () => {
    const clock = new FakeClock();
    const q = createRateLimitingQueue<string>(
      new ItemExponentialFailureRateLimiter({ baseDelayMs: 10, maxDelayMs: 1000 }),
      { clock },
    );
    const attempts: number[] = [];
    const process = (key: string): void => {
      attempts.push(clock.now());
      if (attempts.length < 3) throw new Error(`flaky ${key}`);
    };
    const worker = (async () => {
      for (;;) {
        const r = await q.get();
        if (r.shutdown) break;
        try {
          process(r.item);
          q.forget(r.item);
        } catch {
          q.addRateLimited(r.item);
        } finally {
          q.done(r.item);
        }
      }
    })();
    q.add('default/web');
    await clock.advance(100);
    expect(attempts).toEqual([0, 10, 30]); // retried after 10 ms, then 20 ms more
    expect(q.numRequeues('default/web')).toBe(0);
    await q.shutDownWithDrain();
    await worker;
  });

  it('uses the default controller rate limiter on the queue’s clock when none is given', async () => {
    const clock = new FakeClock();
    const q = createRateLimitingQueue<string>(undefined, { clock });
    q.addRateLimited('a');
    q.addRateLimited('b');
    expect(q.numRequeues('a')).toBe(1);
    await clock.advance(4);
    expect(q.len()).toBe(0);
    await clock.advance(1);
    expect(q.len()).toBe(2);
    q.shutDown();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('keeps re-adding a key past its 1,025th failure with a zero base delay (issue 21)', async () => {
    const clock = new FakeClock();
    const q = createRateLimitingQueue<string>(
      new ItemExponentialFailureRateLimiter({ baseDelayMs: 0, maxDelayMs: 50 }),
      { clock },
    );
    q.add('k');
    for (let i = 0; i < 1100; i++) {
      const r = await q.get();
      expect(r).toEqual({ item: 'k', shutdown: false });
      q.addRateLimited('k'); // the reconcile failed again
      q.done('k');
    }
    expect(q.numRequeues('k')).toBe(1100);
    expect(q.len()).toBe(1);
    q.shutDown();
  });

  it('never throws from addRateLimited, whatever delay a limiter of your own returns', () => {
    const clock = new FakeClock();
    const answers = [Number.NaN, -1, -Infinity, Infinity, Number.MAX_VALUE, 5];
    let i = 0;
    const odd: TypedRateLimiter<string> = {
      when: () => answers[i++]!,
      forget: () => undefined,
      numRequeues: () => 0,
    };
    const q = createRateLimitingQueue<string>(odd, { clock, logger: silentLogger });
    const keys = ['nan', 'negative', 'minus-infinity', 'infinity', 'max', 'five'];
    for (const key of keys) {
      expect(() => {
        q.addRateLimited(key);
      }).not.toThrow();
    }
    expect(q.len()).toBe(3); // NaN, -1 and -Infinity: added at once
    expect(q.waitingLen()).toBe(3);
    expect(clock.pendingDeadlines().every((t) => Number.isFinite(t))).toBe(true);
    q.shutDown();
  });
});

// Behaviours of client-go util/workqueue rate_limiting_queue_test.go and default_rate_limiters_test.go.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '@kubecache/core';
import {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  MaxOfRateLimiter,
} from './rate-limiters.js';
import { createRateLimitingQueue } from './rate-limiting-queue.js';

describe('rate limiters', () => {
  it('backs off per item exponentially up to the cap, and forgets (TestItemExponentialFailureRateLimiter)', () => {
    const l = new ItemExponentialFailureRateLimiter<string>(1, 1000);
    expect([l.when('one'), l.when('one'), l.when('one'), l.when('one'), l.when('one')]).toEqual([
      1, 2, 4, 8, 16,
    ]);
    expect(l.numRequeues('one')).toBe(5);
    expect(l.when('two')).toBe(1);
    for (let i = 0; i < 20; i++) l.when('one');
    expect(l.when('one')).toBe(1000);
    l.forget('one');
    expect(l.numRequeues('one')).toBe(0);
    expect(l.when('one')).toBe(1);
  });

  it('switches from fast to slow after maxFastAttempts (TestItemFastSlowRateLimiter)', () => {
    const l = new ItemFastSlowRateLimiter<string>(5, 10_000, 3);
    expect([l.when('a'), l.when('a'), l.when('a'), l.when('a')]).toEqual([5, 5, 5, 10_000]);
  });

  it('lets a burst through and then spaces requests at 1/qps (TestBucketRateLimiter)', async () => {
    const clock = new FakeClock();
    const l = new BucketRateLimiter<string>(10, 3, clock);
    expect([l.when('a'), l.when('b'), l.when('c')]).toEqual([0, 0, 0]);
    expect(l.when('d')).toBeCloseTo(100);
    expect(l.when('e')).toBeCloseTo(200);
    await clock.advance(1000);
    expect(l.when('f')).toBe(0);
  });

  it('takes the max of limiters, client-go defaults included (TestMaxOfRateLimiter)', () => {
    const clock = new FakeClock();
    const m = new MaxOfRateLimiter<string>(
      new ItemFastSlowRateLimiter(5, 3000, 3),
      new ItemExponentialFailureRateLimiter(1, 1000),
    );
    expect([m.when('one'), m.when('one'), m.when('one'), m.when('one')]).toEqual([5, 5, 5, 3000]);
    const d = defaultControllerRateLimiter<string>(clock);
    expect(d.when('x')).toBe(5);
    expect(d.when('x')).toBe(10);
    expect(d.numRequeues('x')).toBe(2);
    for (let i = 0; i < 200; i++) d.when(`burst-${i}`);
    expect(d.when('fresh')).toBeGreaterThan(5); // the 10 qps / burst 100 bucket is exhausted
  });
});

describe('RateLimitingQueue', () => {
  it('re-adds with the limiter delay, counts requeues and forgets (TestRateLimitingQueue)', async () => {
    const clock = new FakeClock();
    let retries = 0;
    const q = createRateLimitingQueue<string>(new ItemExponentialFailureRateLimiter(10, 1000), {
      clock,
      metrics: { retry: () => void retries++ },
    });
    q.addRateLimited('a');
    expect(q.len()).toBe(0);
    await clock.advance(10);
    expect(q.len()).toBe(1);
    const r = await q.get();
    expect(r).toEqual({ item: 'a', shutdown: false });
    q.done('a');
    q.addRateLimited('a');
    await clock.advance(19);
    expect(q.len()).toBe(0);
    await clock.advance(1);
    expect(q.len()).toBe(1);
    expect(q.numRequeues('a')).toBe(2);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
    expect(retries).toBe(2);
  });

  it('uses the default controller limiter when none is given', () => {
    const q = createRateLimitingQueue<string>();
    q.addRateLimited('a');
    expect(q.numRequeues('a')).toBe(1);
    q.shutDown();
  });
});

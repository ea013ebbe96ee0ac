// Behaviours of client-go util/workqueue default_rate_limiters_test.go and of the
// golang.org/x/time/rate reservation the bucket limiter relies on.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '@kubecache/core';
import { isInvalidArgumentError } from './errors.js';
import {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  MaxOfRateLimiter,
  WithMaxWaitRateLimiter,
  defaultControllerRateLimiter,
} from './rate-limiters.js';

describe('ItemExponentialFailureRateLimiter', () => {
  it('doubles the delay per failure of each item up to the cap, and starts over after forget', () => {
    const l = new ItemExponentialFailureRateLimiter<string>({ baseDelayMs: 1, maxDelayMs: 1000 });
    expect([1, 2, 3, 4, 5].map(() => l.when('one'))).toEqual([1, 2, 4, 8, 16]);
    expect(l.numRequeues('one')).toBe(5);
    expect([l.when('two'), l.when('two')]).toEqual([1, 2]);
    expect(l.numRequeues('two')).toBe(2);
    l.forget('one');
    expect(l.numRequeues('one')).toBe(0);
    expect(l.when('one')).toBe(1);
  });

  it('stays at the cap even after enough failures to overflow 2^n', () => {
    const l = new ItemExponentialFailureRateLimiter<string>({ baseDelayMs: 1, maxDelayMs: 1000 });
    for (let i = 0; i < 2000; i++) l.when('one');
    expect(l.when('one')).toBe(1000);
  });

  it('defaults to client-go’s controller values: 5 ms doubling to 1000 s', () => {
    const l = new ItemExponentialFailureRateLimiter<string>();
    expect([l.when('a'), l.when('a'), l.when('a')]).toEqual([5, 10, 20]);
    for (let i = 0; i < 40; i++) l.when('a');
    expect(l.when('a')).toBe(1_000_000);
  });

  it('compares object items by identity', () => {
    const l = new ItemExponentialFailureRateLimiter<{ key: string }>({ baseDelayMs: 1 });
    const a = { key: 'x' };
    l.when(a);
    l.when(a);
    expect(l.numRequeues(a)).toBe(2);
    expect(l.numRequeues({ key: 'x' })).toBe(0);
  });

  it('rejects a negative or non-finite base delay with InvalidArgumentError', () => {
    expect(() => new ItemExponentialFailureRateLimiter({ baseDelayMs: -1 })).toThrow(
      expect.toSatisfy(isInvalidArgumentError),
    );
    expect(() => new ItemExponentialFailureRateLimiter({ maxDelayMs: Number.NaN })).toThrow(
      /maxDelayMs/,
    );
  });
});

describe('ItemFastSlowRateLimiter', () => {
  it('returns the fast delay for maxFastAttempts failures and the slow one after', () => {
    const l = new ItemFastSlowRateLimiter<string>({
      fastDelayMs: 5,
      slowDelayMs: 10_000,
      maxFastAttempts: 3,
    });
    expect([1, 2, 3, 4, 5].map(() => l.when('one'))).toEqual([5, 5, 5, 10_000, 10_000]);
    expect(l.when('two')).toBe(5);
    expect(l.numRequeues('one')).toBe(5);
    l.forget('one');
    expect(l.numRequeues('one')).toBe(0);
    expect(l.when('one')).toBe(5);
  });

  it('rejects a fractional number of fast attempts', () => {
    expect(
      () => new ItemFastSlowRateLimiter({ fastDelayMs: 1, slowDelayMs: 2, maxFastAttempts: 1.5 }),
    ).toThrow(expect.toSatisfy(isInvalidArgumentError));
  });
});

describe('BucketRateLimiter', () => {
  it('lets a full burst through, then reserves tokens 1/qps apart', () => {
    const clock = new FakeClock();
    const l = new BucketRateLimiter<string>({ qps: 10, burst: 3, clock });
    expect([l.when('a'), l.when('b'), l.when('c')]).toEqual([0, 0, 0]);
    expect(l.when('d')).toBeCloseTo(100);
    expect(l.when('e')).toBeCloseTo(200);
    expect(l.when('f')).toBeCloseTo(300);
  });

  it('refills with time, never above the burst', async () => {
    const clock = new FakeClock();
    const l = new BucketRateLimiter<string>({ qps: 10, burst: 2, clock });
    l.when('a');
    l.when('b');
    expect(l.when('c')).toBeCloseTo(100); // one token owed
    await clock.advance(150); // +1.5 tokens: the debt is paid, 0.5 left
    expect(l.when('d')).toBeCloseTo(50);
    await clock.advance(60_000); // a long pause refills only up to the burst
    expect([l.when('e'), l.when('f')]).toEqual([0, 0]);
    expect(l.when('g')).toBeCloseTo(100);
  });

  it('never tracks items', () => {
    const l = new BucketRateLimiter<string>({ clock: new FakeClock() });
    l.when('a');
    l.forget('a');
    expect(l.numRequeues('a')).toBe(0);
  });

  it('lets everything through at an infinite rate', () => {
    const l = new BucketRateLimiter<string>({ qps: Infinity, burst: 1, clock: new FakeClock() });
    expect([l.when('a'), l.when('a'), l.when('a')]).toEqual([0, 0, 0]);
  });

  it('rejects a rate of zero and a burst below one with InvalidArgumentError', () => {
    expect(() => new BucketRateLimiter({ qps: 0 })).toThrow(
      expect.toSatisfy(isInvalidArgumentError),
    );
    expect(() => new BucketRateLimiter({ burst: 0 })).toThrow(/burst/);
  });
});

describe('MaxOfRateLimiter and WithMaxWaitRateLimiter', () => {
  it('returns the longest delay of its limiters, the largest requeue count, and forgets in all', () => {
    const m = new MaxOfRateLimiter<string>(
      new ItemFastSlowRateLimiter({ fastDelayMs: 5, slowDelayMs: 3000, maxFastAttempts: 3 }),
      new ItemExponentialFailureRateLimiter({ baseDelayMs: 1, maxDelayMs: 1000 }),
    );
    expect([1, 2, 3, 4, 5].map(() => m.when('one'))).toEqual([5, 5, 5, 3000, 3000]);
    expect(m.numRequeues('one')).toBe(5);
    m.forget('one');
    expect(m.numRequeues('one')).toBe(0);
    expect(m.when('one')).toBe(5);
  });

  it('refuses to be built without limiters', () => {
    expect(() => new MaxOfRateLimiter<string>()).toThrow(expect.toSatisfy(isInvalidArgumentError));
  });

  it('caps another limiter’s delay', () => {
    const l = new WithMaxWaitRateLimiter<string>({
      limiter: new ItemExponentialFailureRateLimiter({ baseDelayMs: 10, maxDelayMs: 10_000 }),
      maxDelayMs: 25,
    });
    expect([1, 2, 3, 4].map(() => l.when('a'))).toEqual([10, 20, 25, 25]);
    expect(l.numRequeues('a')).toBe(4);
    l.forget('a');
    expect(l.numRequeues('a')).toBe(0);
  });
});

describe('defaultControllerRateLimiter', () => {
  it('backs off per item from 5 ms and is bounded overall by 10 qps with a burst of 100', () => {
    const clock = new FakeClock();
    const d = defaultControllerRateLimiter<string>({ clock });
    expect([d.when('x'), d.when('x')]).toEqual([5, 10]);
    expect(d.numRequeues('x')).toBe(2);
    for (let i = 0; i < 98; i++) expect(d.when(`burst-${String(i)}`)).toBe(5);
    // 100 tokens are gone: the next first failure waits for the bucket, not 5 ms.
    expect(d.when('late')).toBeCloseTo(100);
    expect(d.when('later')).toBeCloseTo(200);
  });
});

// Behaviours of client-go util/workqueue default_rate_limiters_test.go and of the
// golang.org/x/time/rate reservation the bucket limiter relies on.
import { describe, expect, it } from 'vitest';
import { FakeClock, type Clock } from '@kubecache/core';
import { longestDelayMs } from './delay.js';
import { isInvalidArgumentError } from './errors.js';
import {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  MaxOfRateLimiter,
  WithMaxWaitRateLimiter,
  defaultControllerRateLimiter,
  exponentialDelayMs,
  type TypedRateLimiter,
} from './rate-limiters.js';

/** Matches a thrown `TypeError` (an `InvalidArgumentError`) with exactly this message. */
function typeErrorWith(message: string): unknown {
  return expect.toSatisfy(
    (err: unknown) =>
      err instanceof TypeError && isInvalidArgumentError(err) && err.message === message,
  );
}

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

  it('returns 0, not NaN, for every failure with a zero base delay (issue 21: 0 × 2^1024)', () => {
    const l = new ItemExponentialFailureRateLimiter<string>({ baseDelayMs: 0, maxDelayMs: 50 });
    const delays = Array.from({ length: 1100 }, () => l.when('k'));
    expect(delays.filter((d) => d !== 0)).toEqual([]);
    expect(l.numRequeues('k')).toBe(1100);
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

  it('is a finite delay within [0, max] at any failure count, 2^53 and beyond included', () => {
    for (const n of [1023, 1024, 1075, 2 ** 31, 2 ** 53, Number.MAX_VALUE]) {
      expect(exponentialDelayMs(0, 50, n)).toBe(0);
      expect(exponentialDelayMs(5, 1_000_000, n)).toBe(1_000_000);
      expect(exponentialDelayMs(Number.MAX_VALUE, Number.MAX_VALUE, n)).toBe(Number.MAX_VALUE);
    }
    expect(exponentialDelayMs(Number.MIN_VALUE, 50, 1)).toBe(2 * Number.MIN_VALUE);
    expect(exponentialDelayMs(Number.MIN_VALUE, 50, 2 ** 53)).toBe(50);
  });

  it('accepts a base above the cap, as client-go, and then always waits the cap', () => {
    const l = new ItemExponentialFailureRateLimiter<string>({ baseDelayMs: 100, maxDelayMs: 10 });
    expect([l.when('a'), l.when('a')]).toEqual([10, 10]);
  });

  it('refuses an infinite cap or base with a TypeError naming the option and value', () => {
    expect(() => new ItemExponentialFailureRateLimiter({ maxDelayMs: Infinity })).toThrow(
      typeErrorWith('maxDelayMs: expected a finite number ≥ 0, got Infinity'),
    );
    expect(() => new ItemExponentialFailureRateLimiter({ baseDelayMs: Infinity })).toThrow(
      TypeError,
    );
    expect(
      () => new ItemExponentialFailureRateLimiter({ baseDelayMs: '5' as unknown as number }),
    ).toThrow('baseDelayMs: expected a finite number ≥ 0, got "5"');
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

  it('names the missing option when built without options', () => {
    expect(
      () =>
        new ItemFastSlowRateLimiter(
          undefined as unknown as { fastDelayMs: 1; slowDelayMs: 1; maxFastAttempts: 1 },
        ),
    ).toThrow('fastDelayMs: expected a finite number ≥ 0, got undefined');
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

  it('caps the delay of a vanishing rate at Go’s longest duration instead of Infinity', () => {
    const l = new BucketRateLimiter<string>({
      qps: Number.MIN_VALUE,
      burst: 1,
      clock: new FakeClock(),
    });
    expect(l.when('a')).toBe(0);
    expect(l.when('b')).toBe(longestDelayMs);
    expect(l.when('c')).toBe(longestDelayMs);
  });

  it('keeps finite delays with a clock that answers NaN or Infinity', () => {
    let now = Number.NaN;
    const clock = {
      now: () => now,
      setTimeout: () => ({ cancel: () => undefined }),
    } as unknown as Clock;
    const l = new BucketRateLimiter<string>({ qps: 10, burst: 1, clock });
    const delays = [l.when('a'), l.when('b')];
    now = Infinity;
    delays.push(l.when('c'));
    now = 1000;
    delays.push(l.when('d'));
    expect(delays.every((d) => Number.isFinite(d) && d >= 0)).toBe(true);
    expect(delays.slice(0, 3)).toEqual([0, 100, 200]);
  });

  it('refuses a fractional, infinite or zero burst and a NaN rate, naming the value', () => {
    expect(() => new BucketRateLimiter({ burst: 1.5 })).toThrow(
      typeErrorWith('burst: expected an integer ≥ 1, got 1.5'),
    );
    expect(() => new BucketRateLimiter({ burst: Infinity })).toThrow(TypeError);
    expect(() => new BucketRateLimiter({ qps: Number.NaN })).toThrow(
      'qps: expected a number > 0, got NaN',
    );
    expect(() => new BucketRateLimiter({ qps: -1 })).toThrow(TypeError);
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

  it('refuses something that is not a rate limiter, a revoked Proxy included', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const ok = new ItemExponentialFailureRateLimiter<string>();
    expect(
      () => new MaxOfRateLimiter<string>(ok, null as unknown as TypedRateLimiter<string>),
    ).toThrow(
      typeErrorWith('limiters[1]: expected a rate limiter (when, forget, numRequeues), got null'),
    );
    expect(
      () => new MaxOfRateLimiter<string>(proxy as unknown as TypedRateLimiter<string>),
    ).toThrow(expect.toSatisfy(isInvalidArgumentError));
    expect(
      () =>
        new WithMaxWaitRateLimiter<string>({
          limiter: {} as TypedRateLimiter<string>,
          maxDelayMs: 1,
        }),
    ).toThrow('limiter: expected a rate limiter');
  });

  it('keeps delays of a limiter of your own that answers NaN, negative or Infinity within range', () => {
    const answers = [Number.NaN, -5, Infinity, 7];
    let i = 0;
    const odd: TypedRateLimiter<string> = {
      when: () => answers[i++ % answers.length]!,
      forget: () => undefined,
      numRequeues: () => Number.NaN,
    };
    const capped = new WithMaxWaitRateLimiter<string>({ limiter: odd, maxDelayMs: 50 });
    expect(answers.map(() => capped.when('a'))).toEqual([0, 0, 50, 7]);
    const m = new MaxOfRateLimiter<string>(odd);
    expect(answers.map(() => m.when('a'))).toEqual([0, 0, longestDelayMs, 7]);
    expect(m.numRequeues('a')).toBe(0);
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

// Port of k8s.io/client-go/util/workqueue/default_rate_limiters.go.
import { realClock, type Clock } from '@kubecache/core';

/** Decides how long an item waits before it is retried (client-go `TypedRateLimiter`). */
export interface RateLimiter<T> {
  /** The delay in ms before `item` may be processed again; counts a failure. */
  when(item: T): number;
  /** Forgets `item`'s failures (call after a success). */
  forget(item: T): void;
  /** How many times `item` was rate limited since it was last forgotten. */
  numRequeues(item: T): number;
}

/** Per-item exponential backoff: `baseMs × 2^failures`, capped at `maxMs`. */
export class ItemExponentialFailureRateLimiter<T> implements RateLimiter<T> {
  private readonly failures = new Map<T, number>();
  private readonly baseMs: number;
  private readonly maxMs: number;
  constructor(baseMs: number, maxMs: number) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
  }
  when(item: T): number {
    const exp = this.failures.get(item) ?? 0;
    this.failures.set(item, exp + 1);
    const delay = this.baseMs * 2 ** exp;
    return Number.isFinite(delay) ? Math.min(delay, this.maxMs) : this.maxMs;
  }
  forget(item: T): void {
    this.failures.delete(item);
  }
  numRequeues(item: T): number {
    return this.failures.get(item) ?? 0;
  }
}

/** `fastMs` for the first `maxFastAttempts` failures of an item, `slowMs` after. */
export class ItemFastSlowRateLimiter<T> implements RateLimiter<T> {
  private readonly failures = new Map<T, number>();
  private readonly fastMs: number;
  private readonly slowMs: number;
  private readonly maxFastAttempts: number;
  constructor(fastMs: number, slowMs: number, maxFastAttempts: number) {
    this.fastMs = fastMs;
    this.slowMs = slowMs;
    this.maxFastAttempts = maxFastAttempts;
  }
  when(item: T): number {
    const n = (this.failures.get(item) ?? 0) + 1;
    this.failures.set(item, n);
    return n <= this.maxFastAttempts ? this.fastMs : this.slowMs;
  }
  forget(item: T): void {
    this.failures.delete(item);
  }
  numRequeues(item: T): number {
    return this.failures.get(item) ?? 0;
  }
}

/**
 * An overall token bucket (golang.org/x/time/rate semantics): `qps` tokens per second, at most
 * `burst` stored; each `when` reserves one token and returns how long until it is available.
 */
export class BucketRateLimiter<T> implements RateLimiter<T> {
  private tokens: number;
  private last: number;
  private readonly qps: number;
  private readonly burst: number;
  private readonly clock: Clock;
  constructor(qps: number, burst: number, clock: Clock = realClock) {
    this.qps = qps;
    this.burst = burst;
    this.clock = clock;
    this.tokens = burst;
    this.last = clock.now();
  }
  when(_item: T): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }
  forget(_item: T): void {
    // Tokens are not per item.
  }
  numRequeues(_item: T): number {
    return 0;
  }
}

/** The worst (longest) of several limiters. */
export class MaxOfRateLimiter<T> implements RateLimiter<T> {
  private readonly limiters: RateLimiter<T>[];
  constructor(...limiters: RateLimiter<T>[]) {
    this.limiters = limiters;
  }
  when(item: T): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.when(item));
    return max;
  }
  forget(item: T): void {
    for (const l of this.limiters) l.forget(item);
  }
  numRequeues(item: T): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.numRequeues(item));
    return max;
  }
}

/**
 * client-go's default controller rate limiter: per-item exponential 5 ms → 1000 s, combined (max)
 * with an overall bucket of 10 qps and burst 100.
 */
export function defaultControllerRateLimiter<T>(clock: Clock = realClock): RateLimiter<T> {
  return new MaxOfRateLimiter<T>(
    new ItemExponentialFailureRateLimiter<T>(5, 1_000_000),
    new BucketRateLimiter<T>(10, 100, clock),
  );
}

// Port of k8s.io/client-go/util/workqueue/default_rate_limiters.go, with the token bucket of
// golang.org/x/time/rate (Limiter.Reserve) that client-go's BucketRateLimiter wraps.
import { realClock, type Clock } from '@kubecache/core';
import { InvalidArgumentError, requireFiniteNumber } from './errors.js';

/**
 * Decides how long an item waits before it is retried (client-go `TypedRateLimiter`).
 *
 * Contract:
 * - `when(item)` records one more failure of `item` (for per-item limiters) or takes one token
 *   (for overall limiters) and returns the delay in ms, ≥ 0, before the item may be processed.
 * - `forget(item)` drops what the limiter tracks about `item`, whether it finally succeeded or
 *   was given up on. Call it, or per-item limiters keep every failed item forever.
 * - `numRequeues(item)` is the number of failures recorded since the last `forget`.
 * - Items are compared like `Map` keys: strings by value, objects by identity.
 */
export interface TypedRateLimiter<T> {
  /** Records a failure of `item` and returns how many ms it must wait. */
  when(item: T): number;
  /** Stops tracking `item`. */
  forget(item: T): void;
  /** How many failures of `item` were recorded since it was last forgotten. */
  numRequeues(item: T): number;
}

/** Alias of {@link TypedRateLimiter} under client-go's untyped name. */
export type RateLimiter<T> = TypedRateLimiter<T>;

// Differs from client-go: every limiter takes one options object with millisecond durations
// instead of positional time.Duration arguments.
/** Options of {@link ItemExponentialFailureRateLimiter}. */
export interface ItemExponentialFailureRateLimiterOptions {
  /** Delay, in ms, after the first failure; doubled after each further failure. Default: 5. */
  baseDelayMs?: number;
  /** Upper bound of the delay, in ms. Default: 1 000 000 (1000 s). */
  maxDelayMs?: number;
}

/**
 * Per-item exponential backoff: the n-th failure of an item since it was last forgotten waits
 * `baseDelayMs × 2^(n-1)`, never more than `maxDelayMs` (client-go
 * `ItemExponentialFailureRateLimiter`; the defaults are those of the default controller limiter).
 */
export class ItemExponentialFailureRateLimiter<T> implements TypedRateLimiter<T> {
  private readonly failures = new Map<T, number>();
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(options: ItemExponentialFailureRateLimiterOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 1_000_000;
    requireFiniteNumber('baseDelayMs', this.baseDelayMs, 0);
    requireFiniteNumber('maxDelayMs', this.maxDelayMs, 0);
  }

  when(item: T): number {
    const previous = this.failures.get(item) ?? 0;
    this.failures.set(item, previous + 1);
    // 2 ** n overflows to Infinity for large n; the cap applies either way.
    return Math.min(this.baseDelayMs * 2 ** previous, this.maxDelayMs);
  }

  forget(item: T): void {
    this.failures.delete(item);
  }

  numRequeues(item: T): number {
    return this.failures.get(item) ?? 0;
  }
}

/** Options of {@link ItemFastSlowRateLimiter}. */
export interface ItemFastSlowRateLimiterOptions {
  /** Delay, in ms, of the first `maxFastAttempts` failures of an item. Required. */
  fastDelayMs: number;
  /** Delay, in ms, of every later failure. Required. */
  slowDelayMs: number;
  /** How many failures get the fast delay (an integer ≥ 0). Required. */
  maxFastAttempts: number;
}

/**
 * A few quick retries, then slow ones: `fastDelayMs` for the first `maxFastAttempts` failures of
 * an item since it was last forgotten, `slowDelayMs` after (client-go `ItemFastSlowRateLimiter`).
 */
export class ItemFastSlowRateLimiter<T> implements TypedRateLimiter<T> {
  private readonly failures = new Map<T, number>();
  private readonly fastDelayMs: number;
  private readonly slowDelayMs: number;
  private readonly maxFastAttempts: number;

  constructor(options: ItemFastSlowRateLimiterOptions) {
    requireFiniteNumber('fastDelayMs', options.fastDelayMs, 0);
    requireFiniteNumber('slowDelayMs', options.slowDelayMs, 0);
    requireFiniteNumber('maxFastAttempts', options.maxFastAttempts, 0);
    if (!Number.isInteger(options.maxFastAttempts)) {
      throw new InvalidArgumentError('maxFastAttempts', 'expected an integer', {
        cause: options.maxFastAttempts,
      });
    }
    this.fastDelayMs = options.fastDelayMs;
    this.slowDelayMs = options.slowDelayMs;
    this.maxFastAttempts = options.maxFastAttempts;
  }

  when(item: T): number {
    const failures = (this.failures.get(item) ?? 0) + 1;
    this.failures.set(item, failures);
    return failures <= this.maxFastAttempts ? this.fastDelayMs : this.slowDelayMs;
  }

  forget(item: T): void {
    this.failures.delete(item);
  }

  numRequeues(item: T): number {
    return this.failures.get(item) ?? 0;
  }
}

/** Options of {@link BucketRateLimiter}. */
export interface BucketRateLimiterOptions {
  /** Tokens added per second (> 0; `Infinity` lets everything through). Default: 10. */
  qps?: number;
  /** Bucket size: how many tokens can be taken at once after a quiet period (≥ 1). Default: 100. */
  burst?: number;
  /** The clock tokens refill on. Default: the real clock. */
  clock?: Clock;
}

/**
 * An overall token bucket shared by all items (client-go `BucketRateLimiter` over
 * `rate.Limiter.Reserve()`). The bucket starts full with `burst` tokens and refills at `qps`
 * tokens per second up to `burst`. Each `when` reserves one token, even one not yet available:
 * the token count may go negative, and the returned delay is the time until the reserved token
 * exists. So after a burst, requests are spaced `1000 / qps` ms apart, and the delays grow for
 * every request made before the earlier ones were served. Never tracks items: `forget` does
 * nothing and `numRequeues` is 0.
 */
export class BucketRateLimiter<T> implements TypedRateLimiter<T> {
  private readonly qps: number;
  private readonly burst: number;
  private readonly clock: Clock;
  private tokens: number;
  private last: number;

  constructor(options: BucketRateLimiterOptions = {}) {
    this.qps = options.qps ?? 10;
    this.burst = options.burst ?? 100;
    this.clock = options.clock ?? realClock;
    // Differs from client-go: rate.Limiter accepts a zero rate or burst and then answers with
    // an infinite delay; here those settings are rejected up front.
    if (typeof this.qps !== 'number' || Number.isNaN(this.qps) || this.qps <= 0) {
      throw new InvalidArgumentError('qps', `expected a number > 0, got ${String(this.qps)}`, {
        cause: this.qps,
      });
    }
    requireFiniteNumber('burst', this.burst, 1);
    this.tokens = this.burst;
    this.last = this.clock.now();
  }

  when(_item: T): number {
    if (this.qps === Infinity) return 0;
    const now = this.clock.now();
    // A clock that went backwards refills nothing (and does not move the refill point back).
    const elapsedMs = Math.max(0, now - this.last);
    this.tokens = Math.min(this.burst, this.tokens + (elapsedMs * this.qps) / 1000);
    this.last = Math.max(this.last, now);
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.qps;
  }

  forget(_item: T): void {
    // The bucket is shared by all items: there is nothing per item to forget.
  }

  numRequeues(_item: T): number {
    return 0;
  }
}

/**
 * The strictest of several limiters: `when` asks every limiter (each records the failure) and
 * returns the longest delay; `numRequeues` is the largest count; `forget` forgets everywhere
 * (client-go `MaxOfRateLimiter`). With a token bucket inside, items held back longer by another
 * limiter still consumed a token, so fewer than `burst` may pass at once.
 */
export class MaxOfRateLimiter<T> implements TypedRateLimiter<T> {
  private readonly limiters: readonly TypedRateLimiter<T>[];

  constructor(...limiters: TypedRateLimiter<T>[]) {
    if (limiters.length === 0) {
      throw new InvalidArgumentError('limiters', 'expected at least one rate limiter');
    }
    this.limiters = limiters;
  }

  when(item: T): number {
    let longest = 0;
    for (const limiter of this.limiters) longest = Math.max(longest, limiter.when(item));
    return longest;
  }

  forget(item: T): void {
    for (const limiter of this.limiters) limiter.forget(item);
  }

  numRequeues(item: T): number {
    let most = 0;
    for (const limiter of this.limiters) most = Math.max(most, limiter.numRequeues(item));
    return most;
  }
}

/** Options of {@link WithMaxWaitRateLimiter}. */
export interface WithMaxWaitRateLimiterOptions<T> {
  /** The limiter whose delays are capped. Required. */
  limiter: TypedRateLimiter<T>;
  /** The longest delay, in ms, ever returned. Required. */
  maxDelayMs: number;
}

/** Caps the delays of another limiter at `maxDelayMs` (client-go `WithMaxWaitRateLimiter`). */
export class WithMaxWaitRateLimiter<T> implements TypedRateLimiter<T> {
  private readonly limiter: TypedRateLimiter<T>;
  private readonly maxDelayMs: number;

  constructor(options: WithMaxWaitRateLimiterOptions<T>) {
    requireFiniteNumber('maxDelayMs', options.maxDelayMs, 0);
    this.limiter = options.limiter;
    this.maxDelayMs = options.maxDelayMs;
  }

  when(item: T): number {
    return Math.min(this.limiter.when(item), this.maxDelayMs);
  }

  forget(item: T): void {
    this.limiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.limiter.numRequeues(item);
  }
}

/** Options of {@link defaultControllerRateLimiter}. */
export interface DefaultControllerRateLimiterOptions {
  /** The clock of the token bucket. Default: the real clock. */
  clock?: Clock;
}

/**
 * client-go's `DefaultControllerRateLimiter`: the maximum of a per-item exponential backoff from
 * 5 ms to 1000 s and an overall token bucket of 10 qps with a burst of 100 (which only slows
 * retries when very many items fail at once).
 */
export function defaultControllerRateLimiter<T>(
  options: DefaultControllerRateLimiterOptions = {},
): TypedRateLimiter<T> {
  return new MaxOfRateLimiter<T>(
    new ItemExponentialFailureRateLimiter<T>({ baseDelayMs: 5, maxDelayMs: 1_000_000 }),
    new BucketRateLimiter<T>({ qps: 10, burst: 100, ...optionalClock(options.clock) }),
  );
}

function optionalClock(clock: Clock | undefined): { clock?: Clock } {
  return clock === undefined ? {} : { clock };
}

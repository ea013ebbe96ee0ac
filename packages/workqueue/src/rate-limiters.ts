// Port of k8s.io/client-go/util/workqueue/default_rate_limiters.go, with the token bucket of
// golang.org/x/time/rate (Limiter.Reserve) that client-go's BucketRateLimiter wraps.
import { realClock, type Clock } from '@kubecache/core';
import { clampDelayMs, longestDelayMs } from './delay.js';
import {
  InvalidArgumentError,
  describeValue,
  requireFiniteNumber,
  requireInteger,
} from './errors.js';

/**
 * Decides how long an item waits before it is retried (client-go `TypedRateLimiter`).
 *
 * Contract:
 * - `when(item)` records one more failure of `item` (for per-item limiters) or takes one token
 *   (for overall limiters) and returns the delay in ms before the item may be processed. The
 *   limiters of this package always return a finite number in [0, their maximum], for any
 *   number of failures; options they cannot honour throw `InvalidArgumentError` (a `TypeError`)
 *   at construction.
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
 * The delay of exponential backoff after `previousFailures` earlier failures: `baseDelayMs ×
 * 2^previousFailures`, capped at `maxDelayMs`. A finite number in [0, `maxDelayMs`] for every
 * count, however large: a zero base is 0 for every count (2^n overflows to `Infinity` past
 * n = 1023, and 0 × `Infinity` would be `NaN`), and an overflowing product is the cap.
 *
 * @param baseDelayMs - finite, ≥ 0 (checked by the limiter's constructor).
 * @param maxDelayMs - finite, ≥ 0.
 * @param previousFailures - an integer ≥ 0.
 */
export function exponentialDelayMs(
  baseDelayMs: number,
  maxDelayMs: number,
  previousFailures: number,
): number {
  if (baseDelayMs === 0) return 0;
  const delay = baseDelayMs * 2 ** previousFailures; // > 0, or Infinity once it overflows
  return delay < maxDelayMs ? delay : maxDelayMs;
}

/**
 * Per-item exponential backoff: the n-th failure of an item since it was last forgotten waits
 * `baseDelayMs × 2^(n-1)`, never more than `maxDelayMs` (client-go
 * `ItemExponentialFailureRateLimiter`; the defaults are those of the default controller limiter).
 * Every delay is a finite number in [0, `maxDelayMs`], for any number of failures. A base above
 * the cap is accepted, as in client-go: every delay is then `maxDelayMs`.
 *
 * @throws InvalidArgumentError (a `TypeError`) when `baseDelayMs` or `maxDelayMs` is not a
 * finite number ≥ 0, e.g. `maxDelayMs: expected a finite number ≥ 0, got Infinity`.
 */
export class ItemExponentialFailureRateLimiter<T> implements TypedRateLimiter<T> {
  private readonly failures = new Map<T, number>();
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  // Differs from client-go: a negative duration (which client-go returns as is, and its queue
  // then adds at once) and an infinite cap are refused here; so is NaN, which Go cannot express.
  constructor(options: ItemExponentialFailureRateLimiterOptions = {}) {
    const o = optionsObject(options);
    const baseDelayMs = o.baseDelayMs ?? 5;
    const maxDelayMs = o.maxDelayMs ?? 1_000_000;
    requireFiniteNumber('baseDelayMs', baseDelayMs, 0);
    requireFiniteNumber('maxDelayMs', maxDelayMs, 0);
    this.baseDelayMs = baseDelayMs as number;
    this.maxDelayMs = maxDelayMs as number;
  }

  when(item: T): number {
    const previous = this.failures.get(item) ?? 0;
    // The count stops growing at 2^53 (previous + 1 === previous); the delay is the cap long before.
    this.failures.set(item, previous + 1);
    return exponentialDelayMs(this.baseDelayMs, this.maxDelayMs, previous);
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
 * A fast delay longer than the slow one is accepted, as in client-go.
 *
 * @throws InvalidArgumentError (a `TypeError`) when `fastDelayMs` or `slowDelayMs` is not a
 * finite number ≥ 0, or `maxFastAttempts` is not an integer ≥ 0, e.g.
 * `maxFastAttempts: expected an integer ≥ 0, got 1.5`.
 */
export class ItemFastSlowRateLimiter<T> implements TypedRateLimiter<T> {
  private readonly failures = new Map<T, number>();
  private readonly fastDelayMs: number;
  private readonly slowDelayMs: number;
  private readonly maxFastAttempts: number;

  // Differs from client-go: a negative maxFastAttempts (client-go: every failure is slow) and
  // negative delays are refused.
  constructor(options: ItemFastSlowRateLimiterOptions) {
    const { fastDelayMs, slowDelayMs, maxFastAttempts } = optionsObject(options);
    requireFiniteNumber('fastDelayMs', fastDelayMs, 0);
    requireFiniteNumber('slowDelayMs', slowDelayMs, 0);
    requireInteger('maxFastAttempts', maxFastAttempts, 0);
    this.fastDelayMs = fastDelayMs as number;
    this.slowDelayMs = slowDelayMs as number;
    this.maxFastAttempts = maxFastAttempts as number;
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
  /**
   * Bucket size: how many tokens can be taken at once after a quiet period (an integer ≥ 1).
   * Default: 100.
   */
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
 * nothing and `numRequeues` is 0. Every delay is a finite number in [0, about 292 years] (Go's
 * longest `time.Duration`, which `rate.Limiter` also answers with when a delay would be longer).
 * A clock that goes backwards, or returns something other than a finite number, refills nothing.
 *
 * @throws InvalidArgumentError (a `TypeError`) when `qps` is not a number > 0 (`Infinity` is
 * allowed) or `burst` is not an integer ≥ 1, e.g. `qps: expected a number > 0, got 0`.
 */
export class BucketRateLimiter<T> implements TypedRateLimiter<T> {
  private readonly qps: number;
  private readonly burst: number;
  private readonly clock: Clock;
  private tokens: number;
  private last: number;

  constructor(options: BucketRateLimiterOptions = {}) {
    const o = optionsObject(options);
    const qps = o.qps ?? 10;
    const burst = o.burst ?? 100;
    // Differs from client-go: rate.Limiter accepts a zero or negative rate or burst and then
    // answers with an infinite delay (InfDuration); here those settings are rejected up front.
    // Its burst is an int, so a fractional burst is refused too.
    if (typeof qps !== 'number' || !(qps > 0)) {
      throw new InvalidArgumentError('qps', `expected a number > 0, got ${describeValue(qps)}`, {
        cause: qps,
      });
    }
    requireInteger('burst', burst, 1);
    this.qps = qps;
    this.burst = burst as number;
    this.clock = (o.clock ?? realClock) as Clock;
    this.tokens = this.burst;
    this.last = this.clock.now();
  }

  when(_item: T): number {
    if (this.qps === Infinity) return 0;
    const now = this.clock.now();
    if (Number.isFinite(now)) {
      if (!Number.isFinite(this.last)) this.last = now;
      // A clock that went backwards refills nothing (and does not move the refill point back).
      const elapsedMs = Math.max(0, now - this.last);
      // elapsed × qps may overflow to Infinity: the bucket is then simply full.
      this.tokens = Math.min(this.burst, this.tokens + (elapsedMs * this.qps) / 1000);
      this.last = Math.max(this.last, now);
    }
    // The debt stops growing at -2^53 (x - 1 === x); the delay is the cap long before.
    this.tokens -= 1;
    if (this.tokens >= 0) return 0;
    // A tiny qps makes this overflow to Infinity; rate.Limiter caps it at InfDuration too.
    return clampDelayMs((-this.tokens * 1000) / this.qps, longestDelayMs);
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
 * limiter still consumed a token, so fewer than `burst` may pass at once. A delay or count of a
 * limiter of your own that is not a number > 0 (`NaN`, negative) is ignored, as Go's `>` ignores
 * it; delays are capped at about 292 years (Go's longest `time.Duration`).
 *
 * @throws InvalidArgumentError (a `TypeError`) when no limiter is given or one of them has no
 * `when`, `forget` and `numRequeues` methods, e.g. `limiters[1]: expected a rate limiter (when,
 * forget, numRequeues), got null`.
 */
export class MaxOfRateLimiter<T> implements TypedRateLimiter<T> {
  private readonly limiters: readonly TypedRateLimiter<T>[];

  constructor(...limiters: TypedRateLimiter<T>[]) {
    if (limiters.length === 0) {
      throw new InvalidArgumentError('limiters', 'expected at least one rate limiter');
    }
    limiters.forEach((limiter, i) => {
      requireRateLimiter(`limiters[${String(i)}]`, limiter);
    });
    this.limiters = [...limiters];
  }

  when(item: T): number {
    let longest = 0;
    for (const limiter of this.limiters) {
      const delay = limiter.when(item);
      if (delay > longest) longest = delay;
    }
    return clampDelayMs(longest, longestDelayMs);
  }

  forget(item: T): void {
    for (const limiter of this.limiters) limiter.forget(item);
  }

  numRequeues(item: T): number {
    let most = 0;
    for (const limiter of this.limiters) {
      const n = limiter.numRequeues(item);
      if (n > most) most = n;
    }
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

/**
 * Caps the delays of another limiter at `maxDelayMs` (client-go `WithMaxWaitRateLimiter`).
 * Every delay is a finite number in [0, `maxDelayMs`]: a delay of a limiter of your own that is
 * not a number > 0 (`NaN`, negative) becomes 0 (client-go passes a negative one on, and its
 * queue adds the item at once).
 *
 * @throws InvalidArgumentError (a `TypeError`) when `limiter` is not a rate limiter or
 * `maxDelayMs` is not a finite number ≥ 0.
 */
export class WithMaxWaitRateLimiter<T> implements TypedRateLimiter<T> {
  private readonly limiter: TypedRateLimiter<T>;
  private readonly maxDelayMs: number;

  constructor(options: WithMaxWaitRateLimiterOptions<T>) {
    const { limiter, maxDelayMs } = optionsObject(options);
    requireRateLimiter('limiter', limiter);
    requireFiniteNumber('maxDelayMs', maxDelayMs, 0);
    this.limiter = limiter as TypedRateLimiter<T>;
    this.maxDelayMs = maxDelayMs as number;
  }

  when(item: T): number {
    return clampDelayMs(this.limiter.when(item), this.maxDelayMs);
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
 * retries when very many items fail at once). Every delay is a finite number ≥ 0: at most
 * 1000 s per item, plus whatever the bucket adds when thousands of items fail at once.
 */
export function defaultControllerRateLimiter<T>(
  options: DefaultControllerRateLimiterOptions = {},
): TypedRateLimiter<T> {
  return new MaxOfRateLimiter<T>(
    new ItemExponentialFailureRateLimiter<T>({ baseDelayMs: 5, maxDelayMs: 1_000_000 }),
    new BucketRateLimiter<T>({
      qps: 10,
      burst: 100,
      ...optionalClock(optionsObject(options).clock as Clock | undefined),
    }),
  );
}

/** `options` as a record to read options from; `undefined` and `null` read as `{}`. */
function optionsObject<O>(options: O): Partial<Record<keyof O, unknown>> {
  return options ?? {};
}

/** Throws {@link InvalidArgumentError} unless `value` has the methods of a rate limiter. */
function requireRateLimiter(argument: string, value: unknown): void {
  let ok: boolean;
  try {
    const l = value as Partial<TypedRateLimiter<unknown>> | null;
    ok =
      typeof l === 'object' &&
      l !== null &&
      typeof l.when === 'function' &&
      typeof l.forget === 'function' &&
      typeof l.numRequeues === 'function';
  } catch {
    ok = false; // a revoked Proxy, a throwing getter
  }
  if (!ok) {
    throw new InvalidArgumentError(
      argument,
      `expected a rate limiter (when, forget, numRequeues), got ${describeValue(value)}`,
      { cause: value },
    );
  }
}

function optionalClock(clock: Clock | undefined): { clock?: Clock } {
  return clock === undefined ? {} : { clock };
}

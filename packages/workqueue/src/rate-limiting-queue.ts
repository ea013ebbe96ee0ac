// Port of k8s.io/client-go/util/workqueue/rate_limiting_queue.go: a delaying queue whose retries
// are spaced by a rate limiter.
import { DelayingQueue, type DelayingInterface } from './delaying-queue.js';
import type { QueueOptions } from './queue.js';
import { defaultControllerRateLimiter, type TypedRateLimiter } from './rate-limiters.js';

/**
 * A delaying queue with per-item rate limiting (client-go `TypedRateLimitingInterface`).
 *
 * Contract:
 * - `addRateLimited(item)` asks the rate limiter for a delay (recording a failure) and then
 *   behaves like `addAfter(item, delay)`. It throws only what the rate limiter itself throws
 *   (the queue is then unchanged): any number the limiter returns, `NaN` and `Infinity`
 *   included, is handled as `addAfter` handles it.
 * - `forget(item)` clears the limiter's memory of `item` — call it after a success or when giving
 *   up. It does not remove the item from the queue, and `done(item)` is still required.
 * - `numRequeues(item)` is the limiter's failure count for `item`.
 */
export interface RateLimitingInterface<T> extends DelayingInterface<T> {
  /** Adds `item` after the delay the rate limiter decides. */
  addRateLimited(item: T): void;
  /** Stops rate limiting `item` (resets its failure count). */
  forget(item: T): void;
  /** How many times `item` was re-queued through `addRateLimited` since it was last forgotten. */
  numRequeues(item: T): number;
}

/** The rate-limited queue. Create it with {@link createRateLimitingQueue}. */
export class RateLimitingQueue<T> extends DelayingQueue<T> implements RateLimitingInterface<T> {
  private readonly rateLimiter: TypedRateLimiter<T>;

  /**
   * @param rateLimiter - decides the delay of each `addRateLimited`.
   * @param options - queue options (name, metrics, clock).
   */
  constructor(rateLimiter: TypedRateLimiter<T>, options: QueueOptions = {}) {
    super(options);
    this.rateLimiter = rateLimiter;
  }

  addRateLimited(item: T): void {
    this.addAfter(item, this.rateLimiter.when(item));
  }

  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }
}

/**
 * Creates a rate-limited queue (client-go `NewTypedRateLimitingQueueWithConfig`).
 *
 * @param rateLimiter - Default: {@link defaultControllerRateLimiter} on the queue's clock.
 * @param options - queue options (name, metrics, clock).
 */
export function createRateLimitingQueue<T>(
  rateLimiter?: TypedRateLimiter<T>,
  options: QueueOptions = {},
): RateLimitingQueue<T> {
  const limiter =
    rateLimiter ??
    defaultControllerRateLimiter<T>(options.clock === undefined ? {} : { clock: options.clock });
  return new RateLimitingQueue<T>(limiter, options);
}

// Port of k8s.io/client-go/util/workqueue/rate_limiting_queue.go.
import { DelayingQueue } from './delaying-queue.js';
import type { QueueOptions } from './queue.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiters.js';

/** A delaying queue with per-item rate limiting (client-go `RateLimitingInterface`). */
export class RateLimitingQueue<T> extends DelayingQueue<T> {
  private readonly limiter: RateLimiter<T>;

  constructor(limiter: RateLimiter<T>, options: QueueOptions = {}) {
    super(options);
    this.limiter = limiter;
  }

  /** Adds `item` after the limiter's delay (counts a retry). */
  addRateLimited(item: T): void {
    this.metrics.retry?.();
    this.addAfter(item, this.limiter.when(item));
  }

  /** Forgets `item`'s failures (after a success). Does not remove it from the queue. */
  forget(item: T): void {
    this.limiter.forget(item);
  }

  /** How many times `item` was re-queued with rate limiting. */
  numRequeues(item: T): number {
    return this.limiter.numRequeues(item);
  }
}

/** Creates a rate-limited queue; default limiter: {@link defaultControllerRateLimiter}. */
export function createRateLimitingQueue<T>(
  limiter?: RateLimiter<T>,
  options: QueueOptions = {},
): RateLimitingQueue<T> {
  return new RateLimitingQueue<T>(
    limiter ?? defaultControllerRateLimiter<T>(options.clock),
    options,
  );
}

/**
 * client-go's util/workqueue for TypeScript: de-duplicating, delaying and rate-limited work queues
 * with the default controller rate limiter and metrics hooks.
 *
 * @packageDocumentation
 */
export { WorkQueue, createQueue, type GetResult, type Queue, type QueueOptions } from './queue.js';
export { DelayingQueue, createDelayingQueue } from './delaying-queue.js';
export { RateLimitingQueue, createRateLimitingQueue } from './rate-limiting-queue.js';
export {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
  type RateLimiter,
} from './rate-limiters.js';
export type { WorkqueueGauges, WorkqueueMetrics } from './metrics.js';

/**
 * client-go's util/workqueue for TypeScript: de-duplicating, delaying and rate-limited work queues
 * with client-go's rate limiters and metrics hooks, and controller-runtime's priority queue.
 *
 * @packageDocumentation
 */
export { WorkQueue, createQueue, type GetResult, type Queue, type QueueOptions } from './queue.js';
export { DelayingQueue, createDelayingQueue, type DelayingInterface } from './delaying-queue.js';
export {
  RateLimitingQueue,
  createRateLimitingQueue,
  type RateLimitingInterface,
} from './rate-limiting-queue.js';
export {
  PriorityQueue,
  createPriorityQueue,
  defaultPriority,
  isPriorityQueue,
  lowPriority,
  type AddOptions,
  type PriorityGetResult,
  type PriorityQueueInterface,
  type PriorityQueueOptions,
} from './priority-queue.js';
export {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  MaxOfRateLimiter,
  WithMaxWaitRateLimiter,
  defaultControllerRateLimiter,
  type BucketRateLimiterOptions,
  type DefaultControllerRateLimiterOptions,
  type ItemExponentialFailureRateLimiterOptions,
  type ItemFastSlowRateLimiterOptions,
  type RateLimiter,
  type TypedRateLimiter,
  type WithMaxWaitRateLimiterOptions,
} from './rate-limiters.js';
export {
  defaultMetricsUpdatePeriodMs,
  noopMetricsProvider,
  type WorkqueueGauges,
  type WorkqueueMetrics,
  type WorkqueueMetricsProvider,
} from './metrics.js';
export {
  createWorkqueueMetrics,
  workqueueDurationBuckets,
  workqueueMetricNames,
} from './workqueue-metrics.js';
export { InvalidArgumentError, isInvalidArgumentError } from './errors.js';

// A controller's queue of `namespace/name` keys: `@kubecache/workqueue`'s priority queue
// (controller-runtime's default since v0.23, pkg/controller/priorityqueue) or its FIFO
// rate-limiting queue (client-go's util/workqueue), with kube-rs's optional debounce in front.
import { noMetricsProvider, type Clock, type Logger, type MetricsProvider } from '@kubecache/core';
import {
  createPriorityQueue,
  createRateLimitingQueue,
  isPriorityQueue,
  type RateLimitingInterface,
  type TypedRateLimiter,
} from '@kubecache/workqueue';
import { Debouncer } from './debounce.js';
import { maxDelayMs } from './workers.js';

/**
 * The queue of a controller and how events enter it.
 *
 * Contract:
 * - `enqueue(key, priority)` is an event's way in: held by the debounce (`debounceMs` > 0)
 *   until the key was quiet that long, then added at `priority` (default 0). Requeues and retries
 *   of the workers go to `queue` directly, not through here.
 * - On the FIFO queue a priority is ignored.
 * - `shutDown()` drops what the debounce holds, then shuts the queue down; later `enqueue`
 *   calls are ignored.
 */
export interface ControllerQueue {
  /** The queue the workers take keys from: a `PriorityQueue` unless `priorityQueue: false`. */
  readonly queue: RateLimitingInterface<string>;
  /** Adds `key` from an event: through the debounce, if any, at `priority` (default 0). */
  enqueue(key: string, priority: number | undefined): void;
  /** Stops the debounce and shuts the queue down. */
  shutDown(): void;
}

/**
 * Creates a {@link ControllerQueue}.
 *
 * @param options.name - the `name` label of the workqueue metrics.
 * @param options.metricsProvider - the workqueue metrics' provider; none when absent or
 *   `noMetricsProvider`.
 * @param options.rateLimiter - the queue's rate limiter; default the workqueue's
 *   `defaultControllerRateLimiter()`.
 * @param options.priorityQueue - false for the FIFO queue. Default: true.
 * @param options.debounceMs - the debounce's quiet period in ms (at most `maxDelayMs`); 0 or
 *   absent turns it off.
 * @throws InvalidArgumentError (from the workqueue) for options it refuses.
 */
export function createControllerQueue(options: {
  name: string;
  clock: Clock;
  logger: Logger;
  metricsProvider: MetricsProvider | undefined;
  rateLimiter: TypedRateLimiter<string> | undefined;
  priorityQueue: boolean | undefined;
  debounceMs: number | undefined;
}): ControllerQueue {
  const provider = options.metricsProvider;
  const queueOptions = {
    name: options.name,
    clock: options.clock,
    logger: options.logger,
    ...(provider !== undefined && provider !== noMetricsProvider
      ? { metricsProvider: provider }
      : {}),
  };
  const queue =
    options.priorityQueue === false
      ? createRateLimitingQueue<string>(options.rateLimiter, queueOptions)
      : createPriorityQueue<string>({
          ...queueOptions,
          ...(options.rateLimiter !== undefined ? { rateLimiter: options.rateLimiter } : {}),
        });
  const addToQueue = (key: string, priority: number | undefined): void => {
    if (priority !== undefined && isPriorityQueue(queue)) {
      queue.addWithOptions(key, { priority });
    } else queue.add(key);
  };
  const debounceMs = options.debounceMs ?? 0;
  const debouncer =
    debounceMs > 0
      ? new Debouncer({
          debounceMs: Math.min(debounceMs, maxDelayMs),
          clock: options.clock,
          add: addToQueue,
        })
      : undefined;
  return {
    queue,
    enqueue(key, priority) {
      if (debouncer !== undefined) debouncer.add(key, priority);
      else addToQueue(key, priority);
    },
    shutDown() {
      debouncer?.stop();
      queue.shutDown();
    },
  };
}

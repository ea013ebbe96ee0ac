/**
 * Shared primitives of kubecache: Kubernetes object types, the Clock and FakeClock, the Logger
 * interface, client-go's backoff, and branded errors.
 *
 * @packageDocumentation
 */
export type {
  GroupVersionKind,
  GroupVersionResource,
  KubeList,
  KubeObject,
  ListMeta,
  ObjectMeta,
  OwnerReference,
  Status,
  StatusCause,
} from './object.js';
export { apiVersionOf, gvrString } from './object.js';
export { AbortedError, hasBrand, isAbortError, throwIfAborted, toError } from './errors.js';
export { FakeClock, realClock, sleep, type Clock, type TimerHandle } from './clock.js';
export { silentLogger, type Logger } from './logger.js';
export { Backoff, defaultBackoffOptions, type BackoffOptions } from './backoff.js';
export { FastQueue } from './fast-queue.js';

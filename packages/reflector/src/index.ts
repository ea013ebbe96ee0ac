/**
 * client-go's Reflector for TypeScript — plus everything the classic "reflector toy" needs, so
 * `npm i @kubecache/reflector` is enough: a Store with `metaNamespaceKeyFunc` and the ListWatch
 * factory are re-exported.
 *
 * @packageDocumentation
 */
export { Reflector } from './reflector.js';
export type {
  ReflectorEvents,
  ReflectorOptions,
  ReflectorStats,
  WatchEndReason,
} from './options.js';
export {
  PermanentFailureError,
  ReflectorError,
  isPermanentError,
  isPermanentFailureError,
  isReflectorError,
  type FailedStep,
  type ReflectorErrorKind,
} from './errors.js';
// One install is enough: what the toy example uses, and the loggers to quiet or redirect it.
export { createDefaultLogger, silentLogger, type Logger } from '@kubecache/core';
export {
  DeletedFinalStateUnknown,
  createIndexer,
  createStore,
  deletionHandlingMetaNamespaceKeyFunc,
  isDeletedFinalStateUnknown,
  metaNamespaceKeyFunc,
  splitMetaNamespaceKey,
  type Indexer,
  type KeyFunc,
  type Store,
} from '@kubecache/store';
export {
  ApiStatusError,
  createListWatch,
  createListWatchFromFunctions,
  isApiStatusError,
  isExpired,
  isGone,
  isTooLargeResourceVersion,
  isTooManyRequests,
  type ListOptions,
  type ListWatchOptions,
  type ListerWatcher,
  type WatchEvent,
  type WatchStream,
} from '@kubecache/listwatch';

/**
 * The ListerWatcher layer: list and watch any resource over a @kubernetes/client-node KubeConfig,
 * with a streaming watch decoder, a pager and typed API errors.
 *
 * @packageDocumentation
 */
export type {
  ListOptions,
  ListerWatcher,
  WatchErrorEvent,
  WatchEvent,
  WatchStream,
} from './types.js';
export {
  ApiStatusError,
  ResponseDecodeError,
  WatchDecodeError,
  WatchIdleTimeoutError,
  isApiStatusError,
  isConnectionRefused,
  isExpired,
  isGone,
  isInternalError,
  isResponseDecodeError,
  isTooLargeResourceVersion,
  isTooManyRequests,
  isWatchDecodeError,
  isWatchIdleTimeoutError,
} from './errors.js';
export type { KubeConfigLike } from './http.js';
export {
  collectionPath,
  createListWatch,
  createListWatchFromFunctions,
  type ListWatchOptions,
} from './listwatch.js';
export { listAllPages, type PagedList, type PagerOptions } from './pager.js';
export { decodeWatchStream, type WatchStreamOptions } from './watch-stream.js';

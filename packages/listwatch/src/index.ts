/**
 * The ListerWatcher layer of kubecache: list and watch any resource over a @kubernetes/client-node
 * KubeConfig (1.4 or 2.x), with a streaming watch decoder, a pager and typed API errors.
 *
 * @packageDocumentation
 */
export type {
  ListHooks,
  WatchHooks,
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
  isBadRequest,
  isConflict,
  isConnectionRefused,
  isExpired,
  isForbidden,
  isGone,
  isInternalError,
  isInvalid,
  isNonRetriable,
  isNotFound,
  isResponseDecodeError,
  isServiceUnavailable,
  isStatusObject,
  isTimeout,
  isTooLargeResourceVersion,
  isTooManyRequests,
  isUnauthorized,
  isWatchDecodeError,
  isWatchIdleTimeoutError,
  reasonForStatusCode,
  type ApiStatusErrorOptions,
} from './errors.js';
export { parseRetryAfter, type KubeConfigLike } from './http.js';
export {
  ServerConfigError,
  isServerConfigError,
  type ServerConfigErrorContext,
  type ServerConfigErrorKind,
} from './server-config-error.js';
export {
  createJsonClient,
  requestJson,
  type JsonClient,
  type JsonClientOptions,
  type JsonRequest,
  type JsonRequestMethod,
} from './request-json.js';
export {
  buildQuery,
  collectionPath,
  createListWatch,
  createListWatchFromFunctions,
  type ListWatch,
  type ListWatchFunctions,
  type ListWatchOptions,
  type ResourceListWatchOptions,
} from './listwatch.js';
export { listAllPages, type PagedList, type PagerOptions } from './pager.js';
export { decodeWatchStream, type WatchStreamOptions } from './watch-stream.js';
export {
  createFieldsV1Sharing,
  deepFreeze,
  type FieldsV1Sharing,
  type FieldsV1SharingOptions,
} from './shared-fields.js';
export {
  createStringInterner,
  type StringInterner,
  type StringInternerOptions,
} from './string-interner.js';
export { createListDecoder, type ListDecoder, type ListDecoderOptions } from './list-decoder.js';
export type { RequestRetry } from './with-retry.js';
export { discoverNamespaced, type DiscoveryOptions } from './discovery.js';

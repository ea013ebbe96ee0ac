/**
 * client-go's informers for TypeScript: `newInformer`/`newIndexerInformer`, the
 * `SharedIndexInformer` with per-handler queues, resync and hasSynced, a `SharedInformerFactory`
 * over a KubeConfig, and `waitForCacheSync`. Built-in resources are typed with the JSON wire
 * types of `kubernetes-types`; custom resources with `defineResource`. Re-exports what a
 * controller needs next to it (key functions, the tombstone, indexers, resource definitions), so
 * this package and @kubernetes/client-node are enough.
 *
 * @packageDocumentation
 */
export {
  defineResource,
  isResourceDef,
  type GroupVersionResource,
  type KubeObject,
  type ObjectMeta,
  type ObjectOf,
  type ResourceDef,
  type ResourceDefInput,
} from '@kubecache/core';
export {
  DeletedFinalStateUnknown,
  IndexError,
  deletionHandlingMetaNamespaceKeyFunc,
  isDeletedFinalStateUnknown,
  isIndexError,
  metaNamespaceIndexFunc,
  metaNamespaceKeyFunc,
  namespaceIndex,
  splitMetaNamespaceKey,
  type IndexFunc,
  type Indexer,
  type Indexers,
  type KeyFunc,
  type Lister,
  type Store,
  type TransformFunc,
} from '@kubecache/store';
export type { KubeConfigLike } from '@kubecache/listwatch';
export {
  configMapsResource,
  deploymentsResource,
  leasesResource,
  namespacesResource,
  nodesResource,
  podsResource,
  servicesResource,
  type ConfigMap,
  type Deployment,
  type Lease,
  type Namespace,
  type Node,
  type Pod,
  type Service,
} from './builtin-resources.js';
export { InformerStoppedError, isInformerStoppedError } from './errors.js';
export { SharedObjectWriteError, isSharedObjectWriteError } from './frozen-objects.js';
export type { ResourceEventHandler, SyncWaiter } from './handlers.js';
export {
  newIndexerInformer,
  newInformer,
  processDeltas,
  reuseUnchanged,
  type Controller,
  type DeltaSink,
  type InformerOptions,
  type QueueKind,
} from './controller.js';
export type {
  HandlerErrorHook,
  Notification,
  ResourceEventHandlerRegistration,
} from './processor.js';
export {
  createSharedIndexInformer,
  type AddEventHandlerOptions,
  type SharedIndexInformer,
  type SharedIndexInformerOptions,
} from './shared-informer.js';
export {
  createSharedInformerFactory,
  type ForResourceOptions,
  type ResourceInformerOptions,
  type SharedInformerFactory,
  type SharedInformerFactoryOptions,
} from './factory.js';
export { waitForCacheSync, type SyncSource } from './wait.js';
export { waitFor, type WaitForResult } from './wait-for.js';
// The loggers to quiet or redirect the default stderr lines.
export { createDefaultLogger, silentLogger, type Logger } from '@kubecache/core';
// What a CLI needs to tell an error retrying cannot fix (onPermanentError: 'stop').
export {
  PermanentFailureError,
  isPermanentError,
  isPermanentFailureError,
} from '@kubecache/reflector';
export {
  CacheSyncTimeoutError,
  isCacheSyncTimeoutError,
  waitForCacheSyncOrThrow,
  type PendingSync,
  type SyncDescribable,
  type WaitForCacheSyncOptions,
} from './cache-sync.js';
export {
  informerHealthCheck,
  type InformerHealthCheckOptions,
  type InformerSource,
} from './health.js';
export {
  composeTransforms,
  createStringInterner,
  stripManagedFields,
  type StringInterner,
  type StringInternerOptions,
} from './transforms.js';

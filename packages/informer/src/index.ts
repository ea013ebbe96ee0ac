/**
 * client-go's informers for TypeScript: `newInformer`/`newIndexerInformer`, the
 * `SharedIndexInformer` with per-handler queues, resync and hasSynced, a `SharedInformerFactory`
 * over a KubeConfig, and `waitForCacheSync`.
 *
 * @packageDocumentation
 */
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
  type SharedIndexInformer,
  type SharedIndexInformerOptions,
} from './shared-informer.js';
export {
  createSharedInformerFactory,
  type ForResourceOptions,
  type SharedInformerFactory,
  type SharedInformerFactoryOptions,
} from './factory.js';
export { waitForCacheSync, type SyncSource } from './wait.js';
export {
  composeTransforms,
  createStringInterner,
  stripManagedFields,
  type StringInterner,
  type StringInternerOptions,
} from './transforms.js';

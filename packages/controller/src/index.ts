/**
 * A reconciler runtime on kubecache's informers, in the manner of kube-rs's `Controller` and
 * controller-runtime: one primary resource, `owns` and `watches` sources with predicates,
 * per-key serialized, level-triggered reconciles with rate-limited retries, optional leader
 * election, controller-runtime's metrics, and helpers for finalizers, `/status` writes and
 * conflict retries.
 *
 * @packageDocumentation
 */
export { createController, type Controller, type ControllerRunResult } from './controller.js';
export {
  defaultCacheSyncTimeoutMs,
  defaultReconcileTimeoutMs,
  defaultStuckReconcileMs,
  defaultSyncPeriodMs,
  type ControllerLeaderElection,
  type ControllerOptions,
  type PrimaryResource,
  type PrimarySource,
} from './controller-options.js';
export {
  requeue,
  type ErrorAction,
  type ErrorPolicy,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
} from './workers.js';
export { requestFor, requestFromKey, requestKey, type ReconcileRequest } from './request.js';
export {
  eventPriority,
  ownerMapper,
  watchSource,
  type MapFunc,
  type OwnsSource,
  type WatchSource,
} from './sources.js';
export {
  and,
  annotationsChanged,
  generationChanged,
  isRecreation,
  labelsChanged,
  not,
  or,
  predicateFuncs,
  resourceVersionChanged,
  type Predicate,
  type PredicateFuncs,
  type WatchEvent,
} from './predicates.js';
export { controllerRefOf, groupOf, isControlledBy, newControllerRef } from './owner.js';
export {
  controllerMetricNames,
  createControllerMetrics,
  noopControllerMetrics,
  reconcileTimeBuckets,
  type ControllerMetrics,
  type ReconcileOutcome,
} from './metrics.js';
export {
  defaultBackoff,
  defaultRetry,
  retryOnConflict,
  retryOnError,
  type RetryBackoff,
  type RetryOptions,
} from './retry.js';
export {
  finalizer,
  type FinalizerEvent,
  type FinalizerOptions,
  type FinalizerOutcome,
  type FinalizerPatch,
} from './finalizer.js';
export {
  deepEqual,
  updateStatus,
  type UpdateStatusOptions,
  type UpdateStatusResult,
  type WithStatus,
} from './status.js';
export {
  ControllerFailedError,
  ControllerOptionsError,
  ReconcileTimeoutError,
  isAlreadyExistsError,
  isConflictError,
  isControllerFailedError,
  isControllerOptionsError,
  isNotFoundError,
  isReconcileTimeoutError,
  type ControllerFailureReason,
} from './errors.js';
export {
  createEventRecorder,
  type EventRecorder,
  type EventRecorderOptions,
} from './event-recorder.js';
export { formatMicroTime, type EventSubject } from './event-wire.js';
export {
  combinedNotePrefix,
  createEventCorrelator,
  isomorphicEventKey,
  type EventCorrelation,
  type EventCorrelator,
  type EventCorrelatorOptions,
  type EventObjectReference,
  type EventRecord,
  type EventType,
} from './event-correlator.js';
export { maxEventNoteBytes, truncateEventNote } from './event-note.js';
export {
  createClient,
  defaultClientUserAgent,
  type Client,
  type ClientOptions,
  type ClientWriteEvent,
  type ClientWriteVerb,
} from './client.js';
export {
  type ApplyConfiguration,
  type ClientApplyOptions,
  type ClientListOptions,
  type DeepPartial,
  type ClientDeleteOptions,
  type ObjectKey,
  type ObjectList,
  type ClientRequestOptions,
  type ClientWriteOptions,
} from './client-call-types.js';
export { defaultFieldManager } from './field-manager.js';
export {
  WriteLedger,
  defaultReadYourWritesTimeoutMs,
  ledgerResourceOf,
  watchedResourceOfInformerName,
  type ReadYourWritesOptions,
  type ReadYourWritesOutcome,
  type ReadYourWritesTarget,
  type WatchedCache,
  type WatchedResource,
} from './read-your-writes.js';
export { type ControllerSharding } from './sharding.js';
export { drainAcknowledgementOps, drainDurationBuckets, shardMetricNames } from './shard-gate.js';
export {
  jsonPatch,
  mergePatch,
  patchContentTypes,
  strategicMergePatch,
  type JsonPatchOperation,
  type Patch,
} from './client-patch.js';

/**
 * An in-process Kubernetes API server over real HTTP(S) for tests and benchmarks: list/watch with
 * resource versions, paging like the watch cache, bookmarks, WatchList, compaction, discovery, CRUD,
 * the status and scale subresources, finalizers, owner-reference garbage collection, leases,
 * events (core/v1 and events.k8s.io/v1), kubectl's Table output (lists and watches), fault
 * injection, realistic pod fixtures, a churn generator and `eventually`.
 *
 * @packageDocumentation
 */
export {
  startApiServer,
  type ApiServer,
  type ApiServerOptions,
  type Faults,
  type FaultHandle,
  type DeleteOptions,
  type InjectedResponse,
  type RequestFilter,
  type ListPaging,
  type RequestLog,
  type RequestRecord,
  type RequestVerb,
} from './server.js';
export {
  builtinResources,
  resourceId,
  resourceIdOf,
  type OpenApiV3Schema,
  type ResourceDefinition,
  type ResourceRef,
  type ScaleSubresource,
} from './resources.js';
export { mergePatch } from './patches.js';
export { ServerApiError, isServerApiError } from './status.js';
export {
  makeConfigMap,
  makePod,
  podStatusAfterRestart,
  podStatusForPhase,
  type MakePodOptions,
  type PodPhase,
} from './fixtures.js';
export { startChurn, type ChurnOptions, type ChurnStats } from './churn.js';
export { eventually, type EventuallyOptions } from './eventually.js';
export { emulatedKubernetesVersion } from './version.js';
export { testCaPem } from './tls-fixture.js';

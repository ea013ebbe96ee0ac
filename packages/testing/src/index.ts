/**
 * An in-process Kubernetes API server over real HTTP(S) for tests and benchmarks: list/watch with
 * resource versions, paging, bookmarks, WatchList, compaction, discovery, CRUD, fault injection,
 * realistic pod fixtures and a churn generator.
 *
 * @packageDocumentation
 */
export {
  startApiServer,
  type ApiServer,
  type ApiServerOptions,
  type Faults,
  type DeleteOptions,
  type InjectedResponse,
  type RequestFilter,
  type ListPaging,
  type RequestLog,
  type RequestRecord,
  type RequestVerb,
} from './server.js';
export { builtinResources, resourceId, type ResourceDefinition } from './resources.js';
export { mergePatch } from './patches.js';
export { ServerApiError, isServerApiError } from './status.js';
export { makeConfigMap, makePod, type MakePodOptions } from './fixtures.js';
export { startChurn, type ChurnOptions, type ChurnStats } from './churn.js';
export { eventually, type EventuallyOptions } from './eventually.js';
export { testCaPem } from './tls-fixture.js';

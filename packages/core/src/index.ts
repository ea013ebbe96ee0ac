/**
 * Shared primitives of kubecache: Kubernetes object types, resource definitions
 * (`defineResource`), the Clock and FakeClock, the Logger
 * interface and the default stderr logger, redaction and one-line error descriptions, client-go's
 * backoff, branded errors, the metrics seam (generic provider, reflector and informer metrics),
 * and health checks.
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
export {
  defineResource,
  isResourceDef,
  type ObjectOf,
  type ResourceDef,
  type ResourceDefInput,
} from './resource.js';
export { leasesResourceDef } from './lease-resource.js';
export { asLease, type LeaseWithResourceVersion, type WireLease } from './lease-answer.js';
export {
  AbortedError,
  hasBrand,
  isAbortError,
  isMarkedPermanent,
  permanentErrorBrand,
  throwIfAborted,
  toError,
} from './errors.js';
export { inspectValue, uninspectable } from './inspect-value.js';
export {
  FakeClock,
  monotonicNow,
  realClock,
  sleep,
  type Clock,
  type TimerHandle,
} from './clock.js';
export { flushLogger, silentLogger, type Logger, type LogLevel } from './logger.js';
export {
  createDefaultLogger,
  defaultLogger,
  maxLogLineLength,
  maxLogStackLength,
  type DefaultLoggerOptions,
  type RateLimitedLogger,
} from './default-logger.js';
export {
  defaultKeyFields,
  defaultMaxNamedKeys,
  defaultRepeatWindowMs,
  type RateLimitOptions,
} from './log-rate-limit.js';
export { createRateLimitedLogger, type RateLimitedLoggerOptions } from './rate-limited-logger.js';
export { formatErrorStack, stackIsUseful, type ErrorStackOptions } from './error-stack.js';
export { REDACTED, redact } from './redact.js';
export {
  describeError,
  formatSummary,
  maxDescribedLength,
  maxErrorFieldLength,
  maxErrorMessageLength,
  summarizeError,
  type ErrorSummary,
} from './describe-error.js';
export { matchesStatusReason } from './status-reason.js';
export {
  InvalidResourceVersionError,
  compareResourceVersion,
  isComparableResourceVersion,
  isInvalidResourceVersionError,
} from './resource-version.js';
export {
  MetricConflictError,
  exponentialBuckets,
  isMetricConflictError,
  noMetricsProvider,
  type CollectRegistration,
  type CounterSeries,
  type GaugeSeries,
  type HistogramSeries,
  type HistogramSpec,
  type Labels,
  type MetricFamily,
  type MetricSpec,
  type MetricsProvider,
  type Sample,
} from './metrics.js';
export { MemoryMetricsProvider, type HistogramValue, type MetricKind } from './memory-metrics.js';
export {
  createReflectorMetrics,
  errorReasonLabel,
  noopReflectorMetrics,
  reflectorMetricNames,
  type ListReport,
  type ReflectorGauges,
  type ReflectorMetrics,
  type RelistReason,
  type WatchEndReason,
  type WatchEventType,
  type WatchReport,
} from './reflector-metrics.js';
export {
  createInformerMetrics,
  informerMetricNames,
  noopInformerMetrics,
  resourceVersionGaugeValue,
  type InformerGauges,
  type InformerMetrics,
} from './informer-metrics.js';
export {
  healthHandler,
  runHealthChecks,
  type HealthCheck,
  type HealthHandlerOptions,
  type HealthReport,
  type HealthStatus,
} from './health.js';
export { Backoff, defaultBackoffOptions, type BackoffOptions } from './backoff.js';
export { FastQueue } from './fast-queue.js';

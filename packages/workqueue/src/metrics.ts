// Port of k8s.io/client-go/util/workqueue/metrics.go: hooks a metrics backend (e.g. prom-client)
// can implement. Every hook is optional.

/** Metrics hooks of a queue (client-go `MetricsProvider`, flattened). */
export interface WorkqueueMetrics {
  /** The queue depth changed. */
  depth?(value: number): void;
  /** An item was added (deduplicated adds are not counted, as in client-go). */
  add?(): void;
  /** How long an item waited in the queue before `get`, in ms. */
  queueLatency?(ms: number): void;
  /** How long an item was processed (from `get` to `done`), in ms. */
  workDuration?(ms: number): void;
  /** An item was re-queued with rate limiting. */
  retry?(): void;
}

/** Metrics that are read on demand. */
export interface WorkqueueGauges {
  /** Total ms spent so far by items still being processed. */
  unfinishedWorkMs(): number;
  /** Ms the longest-running item has been processed. */
  longestRunningProcessorMs(): number;
}

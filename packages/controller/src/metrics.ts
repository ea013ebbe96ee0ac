// controller-runtime's controller metrics (pkg/internal/controller/metrics/metrics.go), on the
// backend-neutral MetricsProvider of @kubecache/core. Same names, labels, units and buckets, so
// dashboards written for controller-runtime work unchanged.
import { noMetricsProvider, type MetricsProvider } from '@kubecache/core';

/** The names of the controller metrics, as controller-runtime spells them. */
export const controllerMetricNames = {
  /** Counter `{controller, result}`; result is `success`, `error`, `requeue` or `requeue_after`. */
  reconcileTotal: 'controller_runtime_reconcile_total',
  /** Counter `{controller}`: reconciles that threw. */
  reconcileErrors: 'controller_runtime_reconcile_errors_total',
  /** Counter `{controller}`: reconciles that threw and that the error policy did not requeue. */
  terminalReconcileErrors: 'controller_runtime_terminal_reconcile_errors_total',
  /** Histogram `{controller}`, seconds: time per reconcile. */
  reconcileTime: 'controller_runtime_reconcile_time_seconds',
  /** Gauge `{controller}`: the configured number of workers. */
  maxConcurrentReconciles: 'controller_runtime_max_concurrent_reconciles',
  /** Gauge `{controller}`: workers busy with a reconcile right now. */
  activeWorkers: 'controller_runtime_active_workers',
  /**
   * Counter `{controller}`: reconciles whose `reconcileTimeoutMs` passed (their signal aborted
   * with a `ReconcileTimeoutError`), whatever they returned afterwards (controller-runtime's
   * `ReconcileTimeouts`: its context's deadline passed with the controller's timeout cause).
   */
  reconcileTimeouts: 'controller_runtime_reconcile_timeouts_total',
} as const;

/** controller-runtime's `ReconcileTime` buckets, in seconds. */
export const reconcileTimeBuckets: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9,
  1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

/** The outcome label of `controller_runtime_reconcile_total`. */
export type ReconcileOutcome = 'success' | 'error' | 'requeue' | 'requeue_after';

/** The hooks the controller calls; each knows its controller's label. */
export interface ControllerMetrics {
  /** One reconcile ended with `outcome` after `durationMs`. */
  reconciled(outcome: ReconcileOutcome, durationMs: number, terminal: boolean): void;
  /** The number of busy workers changed. */
  activeWorkers(count: number): void;
  /**
   * A reconcile's `reconcileTimeoutMs` passed while it ran (once per reconcile). Optional, so
   * that hooks written before it existed still fit.
   */
  timedOut?(): void;
}

/**
 * Creates the controller metrics of controller `name` on `provider`. Every outcome series starts
 * at 0 (as controller-runtime initialises them), `max_concurrent_reconciles` is set to
 * `concurrency`, and `active_workers` to 0.
 *
 * @throws MetricConflictError (from the provider) when a name is taken by another kind of metric.
 */
export function createControllerMetrics(
  provider: MetricsProvider,
  name: string,
  concurrency: number,
): ControllerMetrics {
  if (provider === noMetricsProvider) return noopControllerMetrics;
  const labels = { controller: name };
  const total = provider.counter({
    name: controllerMetricNames.reconcileTotal,
    help: 'Total number of reconciliations per controller',
    labelNames: ['controller', 'result'],
  });
  const byOutcome: Record<ReconcileOutcome, ReturnType<typeof total.with>> = {
    success: total.with({ controller: name, result: 'success' }),
    error: total.with({ controller: name, result: 'error' }),
    requeue: total.with({ controller: name, result: 'requeue' }),
    requeue_after: total.with({ controller: name, result: 'requeue_after' }),
  };
  for (const series of Object.values(byOutcome)) series.inc(0);
  const errors = provider
    .counter({
      name: controllerMetricNames.reconcileErrors,
      help: 'Total number of reconciliation errors per controller',
      labelNames: ['controller'],
    })
    .with(labels);
  errors.inc(0);
  const terminal = provider
    .counter({
      name: controllerMetricNames.terminalReconcileErrors,
      help: 'Total number of terminal reconciliation errors per controller',
      labelNames: ['controller'],
    })
    .with(labels);
  terminal.inc(0);
  const timeouts = provider
    .counter({
      name: controllerMetricNames.reconcileTimeouts,
      help: 'Total number of reconciliation timeouts per controller',
      labelNames: ['controller'],
    })
    .with(labels);
  timeouts.inc(0);
  const time = provider
    .histogram({
      name: controllerMetricNames.reconcileTime,
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: reconcileTimeBuckets,
    })
    .with(labels);
  provider
    .gauge({
      name: controllerMetricNames.maxConcurrentReconciles,
      help: 'Maximum number of concurrent reconciles per controller',
      labelNames: ['controller'],
    })
    .with(labels)
    .set(concurrency);
  const active = provider
    .gauge({
      name: controllerMetricNames.activeWorkers,
      help: 'Number of currently used workers per controller',
      labelNames: ['controller'],
    })
    .with(labels);
  active.set(0);
  return {
    reconciled(outcome, durationMs, isTerminal) {
      byOutcome[outcome].inc();
      if (outcome === 'error') errors.inc();
      if (isTerminal) terminal.inc();
      time.observe(durationMs / 1000);
    },
    activeWorkers(count) {
      active.set(count);
    },
    timedOut() {
      timeouts.inc();
    },
  };
}

/** Metrics hooks that record nothing. */
export const noopControllerMetrics: ControllerMetrics = Object.freeze({
  reconciled: () => undefined,
  activeWorkers: () => undefined,
  timedOut: () => undefined,
});

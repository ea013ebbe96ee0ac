// Prometheus metrics: one prom-client Registry with the process metrics, and @kubecache/prometheus'
// provider, which gives every kubecache layer handed to it client-go's metric names
// (`workqueue_adds_total{name="pods"}`, …). pod-printer defines no metric of its own.
import type { MetricsProvider } from '@kubecache/core';
import { createPrometheusMetricsProvider } from '@kubecache/prometheus';
import { Registry, collectDefaultMetrics } from 'prom-client';

/** The metrics of one pod-printer process. */
export interface PrinterMetrics {
  /** What `/metrics` serves. */
  readonly registry: Registry;
  /** Passed as `metricsProvider` to the workqueue (name `pods`). */
  readonly metricsProvider: MetricsProvider;
}

/** Creates the registry (with prom-client's process metrics) and the kubecache provider on it. */
export function createMetrics(): PrinterMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return { registry, metricsProvider: createPrometheusMetricsProvider({ registry }) };
}

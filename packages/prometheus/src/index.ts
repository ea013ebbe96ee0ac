/**
 * kubecache's metrics in Prometheus: a `MetricsProvider` on a prom-client `Registry` that gives the
 * workqueue, reflector and informer metrics client-go's names and labels, and a `/metrics`
 * request handler. The only kubecache package that depends on prom-client.
 *
 * @packageDocumentation
 */
export {
  createPrometheusMetricsProvider,
  type PrometheusMetricsProviderOptions,
} from './prometheus-provider.js';
export { metricsHandler } from './metrics-handler.js';

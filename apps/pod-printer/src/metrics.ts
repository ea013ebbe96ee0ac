// Prometheus metrics (prom-client): informer events and cache size, workqueue depth, adds,
// latency, work duration and retries; served on /metrics.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { WorkqueueMetrics } from '@kubecache/workqueue';

/** The metrics of one pod-printer. */
export interface PrinterMetrics {
  registry: Registry;
  workqueue: WorkqueueMetrics;
  informerEvent(type: 'add' | 'update' | 'delete'): void;
  cacheSize(n: number): void;
  reflectorError(): void;
}

/** Creates the registry and metric objects. */
export function createMetrics(): PrinterMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const events = new Counter({
    name: 'informer_events_total',
    help: 'Notifications delivered by the pod informer',
    labelNames: ['type'],
    registers: [registry],
  });
  const size = new Gauge({
    name: 'informer_cache_objects',
    help: 'Objects in the pod informer cache',
    registers: [registry],
  });
  const errors = new Counter({
    name: 'reflector_errors_total',
    help: 'Errors handled by the reflector',
    registers: [registry],
  });
  const depth = new Gauge({
    name: 'workqueue_depth',
    help: 'Current depth of the workqueue',
    registers: [registry],
  });
  const adds = new Counter({
    name: 'workqueue_adds_total',
    help: 'Adds handled by the workqueue',
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'workqueue_queue_duration_seconds',
    help: 'Time an item waits in the queue',
    buckets: [0.0001, 0.001, 0.01, 0.1, 1, 10],
    registers: [registry],
  });
  const work = new Histogram({
    name: 'workqueue_work_duration_seconds',
    help: 'Time processing an item',
    buckets: [0.0001, 0.001, 0.01, 0.1, 1, 10],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'workqueue_retries_total',
    help: 'Retries handled by the workqueue',
    registers: [registry],
  });
  return {
    registry,
    workqueue: {
      depth: (v) => depth.set(v),
      add: () => adds.inc(),
      queueLatency: (ms) => latency.observe(ms / 1000),
      workDuration: (ms) => work.observe(ms / 1000),
      retry: () => retries.inc(),
    },
    informerEvent: (type) => events.inc({ type }),
    cacheSize: (n) => size.set(n),
    reflectorError: () => errors.inc(),
  };
}

/** Serves `/metrics` on 127.0.0.1:`port` (0 = any); resolves with the bound port and a closer. */
export async function serveMetrics(
  registry: Registry,
  port: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

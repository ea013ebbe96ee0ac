// One HTTP server on --metrics-port for /metrics (Prometheus), /healthz, /livez and /readyz.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { healthHandler, type HealthCheck } from '@kubecache/core';
import { metricsHandler } from '@kubecache/prometheus';
import type { Registry } from 'prom-client';

/** Options of {@link serveEndpoints}. */
export interface EndpointsOptions {
  /** Port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Served on `/metrics`. */
  registry: Registry;
  /** Checks of `/healthz` and `/livez`. */
  healthz: readonly HealthCheck[];
  /** Checks of `/readyz`. */
  readyz: readonly HealthCheck[];
}

/** A running endpoints server. */
export interface Endpoints {
  /** The bound port. */
  readonly port: number;
  /** Stops the server, dropping open connections. */
  close(): Promise<void>;
}

/** Serves `/metrics`, `/healthz`, `/livez` and `/readyz`; anything else is 404. */
export async function serveEndpoints(options: EndpointsOptions): Promise<Endpoints> {
  const metrics = metricsHandler(options.registry);
  const health = healthHandler({ healthz: options.healthz, readyz: options.readyz });
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/metrics') metrics(req, res);
    else health(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

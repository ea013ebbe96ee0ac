import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createRateLimitingQueue } from '@kubecache/workqueue';
import { metricsHandler } from './metrics-handler.js';
import { createPrometheusMetricsProvider } from './prometheus-provider.js';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

describe('metricsHandler', () => {
  it('serves the registry on /metrics over HTTP and 404 elsewhere', async () => {
    const registry = new Registry();
    const q = createRateLimitingQueue<string>(undefined, {
      name: 'pods',
      metricsProvider: createPrometheusMetricsProvider({ registry }),
    });
    q.add('a');
    const server = http.createServer(metricsHandler(registry));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(registry.contentType);
    expect(await res.text()).toContain('workqueue_adds_total{name="pods"} 1');
    expect((await fetch(`${base}/other`)).status).toBe(404);
    q.shutDown();
  });
});

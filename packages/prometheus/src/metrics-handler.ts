// A /metrics endpoint for node:http, beside @kubecache/core's healthHandler (/healthz, /readyz).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { register as globalRegistry, type Registry } from 'prom-client';

/**
 * A `node:http` request handler that serves `registry` in the Prometheus text format on
 * `/metrics` (`GET` or `HEAD`), and answers `404` for any other path. A failing collect answers
 * `500` with the error's message.
 *
 * @example
 * ```ts
 * http.createServer(metricsHandler(registry)).listen(9090, '127.0.0.1');
 * ```
 * @param registry - what to serve. Default: prom-client's global `register`.
 * @returns a `(req, res) => void` handler for `http.createServer` or a router.
 */
export function metricsHandler(
  registry: Registry = globalRegistry,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`${err instanceof Error ? err.message : String(err)}\n`);
      },
    );
  };
}

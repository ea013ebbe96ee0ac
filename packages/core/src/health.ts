// Health endpoints in the manner of kube-apiserver's and controller-manager's /healthz and
// /readyz (k8s.io/apiserver/pkg/server/healthz): `ok` when every check passes, otherwise 503 and
// one line per check. client-go's leader election exposes a check of this shape
// (leaderelection.HealthzAdaptor); kubecache's informers and leader elector provide checks too.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { redact } from './redact.js';
import { describeError } from './describe-error.js';
import { inspectValue, safeGet, truncate } from './inspect-value.js';

/** The answer of one {@link HealthCheck}. */
export interface HealthStatus {
  /** True when the component is healthy. */
  readonly ok: boolean;
  /** Why it is not (one line, shown on the failing check's line); ignored when `ok`. */
  readonly reason?: string;
}

/**
 * One named check. `check()` is called on every request to the endpoint it is part of; it must be
 * synchronous and cheap (read state, do no I/O). A check that throws counts as failed, with the
 * error message as its reason.
 */
export interface HealthCheck {
  /** Short name shown in the output: `informer-sync`, `leader-election`, `ping`. */
  readonly name: string;
  /** The current health. */
  check(): HealthStatus;
}

/** The checks of each endpoint of {@link healthHandler}. */
export interface HealthHandlerOptions {
  /** Checks of `/healthz` and `/livez` (is the process working at all?). Default: none (always ok). */
  healthz?: readonly HealthCheck[];
  /** Checks of `/readyz` (should it get work: caches synced, leader elected?). Default: none. */
  readyz?: readonly HealthCheck[];
}

/** The result of running a set of checks. */
export interface HealthReport {
  /** True when every check passed. */
  readonly ok: boolean;
  /** `[+]<name> ok` or `[-]<name> failed: <reason>`, one per check, in order. */
  readonly lines: readonly string[];
}

/** What a check's returned status says, read defensively (a check may return anything). */
function readStatus(value: unknown): { ok: boolean; reason: string } {
  if (typeof value !== 'object' || value === null || safeGet(value, 'ok') === undefined) {
    return { ok: false, reason: `the check returned ${inspectValue(value, 200)}` };
  }
  const reason = safeGet(value, 'reason');
  return {
    ok: safeGet(value, 'ok') === true,
    reason: reason === undefined ? '' : typeof reason === 'string' ? reason : inspectValue(reason),
  };
}

/**
 * Runs `checks` and reports each, catching and redacting whatever they throw or say. A check
 * that throws (anything, see `describeError`) or returns something other than a
 * {@link HealthStatus} counts as failed. Never throws; each line is one line of at most ~700
 * characters.
 */
export function runHealthChecks(checks: readonly HealthCheck[]): HealthReport {
  let ok = true;
  const lines: string[] = [];
  for (const c of checks) {
    let status: { ok: boolean; reason: string };
    try {
      status = readStatus(c.check());
    } catch (err) {
      status = { ok: false, reason: describeError(err) };
    }
    if (status.ok) {
      lines.push(`[+]${c.name} ok`);
    } else {
      ok = false;
      const reason = truncate(
        redact(
          truncate(status.reason, 2048)
            .replace(/[\r\n]+/g, ' ')
            .trim(),
        ),
        512,
      );
      lines.push(`[-]${c.name} failed${reason === '' ? '' : `: ${reason}`}`);
    }
  }
  return { ok, lines };
}

function isCheckList(
  value: readonly HealthCheck[] | HealthHandlerOptions,
): value is readonly HealthCheck[] {
  return Array.isArray(value);
}

/**
 * A `node:http` request handler for `/healthz`, `/livez` and `/readyz`, answering like
 * Kubernetes components do:
 *
 * - all checks pass: `200` with body `ok`;
 * - a check fails: `503` with one line per check (`[+]name ok`, `[-]name failed: reason`) and a
 *   last line `<path> check failed`;
 * - `?verbose` lists the checks also when all pass (200, last line `<path> check passed`);
 * - another path: `404`; a method other than GET or HEAD: `405`.
 *
 * Bodies are `text/plain; charset=utf-8` with `Cache-Control: no-store`, and redacted.
 *
 * @example
 * ```ts
 * http.createServer(healthHandler({ readyz: [cachesSynced] })).listen(8081, '127.0.0.1');
 * ```
 * @param checks - the checks of each endpoint, or one list used by all of them.
 * @returns a `(req, res) => void` handler for `http.createServer` or a router.
 */
export function healthHandler(
  checks: readonly HealthCheck[] | HealthHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const options: HealthHandlerOptions = isCheckList(checks)
    ? { healthz: checks, readyz: checks }
    : checks;
  const healthz = options.healthz ?? [];
  const readyz = options.readyz ?? [];
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '');
    const checks =
      path === '/healthz' || path === '/livez' ? healthz : path === '/readyz' ? readyz : undefined;
    const headers = { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' };
    if (checks === undefined) {
      res.writeHead(404, headers).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end('method not allowed\n');
      return;
    }
    const report = runHealthChecks(checks);
    const verbose = url.searchParams.has('verbose');
    let body: string;
    if (report.ok && !verbose) body = 'ok';
    else body = `${report.lines.join('\n')}\n${path} check ${report.ok ? 'passed' : 'failed'}\n`;
    res.writeHead(report.ok ? 200 : 503, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}

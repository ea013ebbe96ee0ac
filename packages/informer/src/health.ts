// kubecache's own: client-go leaves informer health to each binary (controller-manager wires
// "informers synced" into /readyz by hand). Here one check, in core's HealthCheck shape, tells
// whether informers synced, are watching, and have heard from the server lately.
import type { HealthCheck, HealthStatus } from '@kubecache/core';
import { describeError } from '@kubecache/core';
import { formatDuration } from './duration.js';
import type { SharedIndexInformer } from './shared-informer.js';

/** Something that owns informers: a `SharedInformerFactory`. */
export interface InformerSource {
  /** Every informer made so far. */
  informers(): Iterable<SharedIndexInformer<unknown>>;
}

/** Options of {@link informerHealthCheck}. */
export interface InformerHealthCheckOptions {
  /** The check's name in `/healthz` output. Default: `'informers'`. */
  name?: string;
  /**
   * Fail when an informer has heard nothing from the server — no list, event or bookmark — for
   * longer than this, in ms. Servers send a bookmark about once a minute to watches that ask for
   * them (informers do), so a few minutes (e.g. 300 000) catches a silently stuck watch. Default:
   * not checked.
   */
  maxEventAgeMs?: number;
}

function isSource(t: SharedIndexInformer<unknown> | InformerSource): t is InformerSource {
  return typeof (t as Partial<InformerSource>).informers === 'function';
}

/** Why `informer` is unhealthy, or undefined when it is healthy. */
function problemOf(
  informer: SharedIndexInformer<unknown>,
  maxEventAgeMs: number | undefined,
): string | undefined {
  const err = informer.lastError();
  const since = informer.failingSince();
  const failing =
    err === undefined
      ? ''
      : `: ${since === undefined ? '' : `failing for ${formatDuration(informer.clock.now() - since)}: `}${describeError(err)}`;
  if (!informer.isStarted()) return `${informer.name} not started`;
  if (informer.isStopped()) return `${informer.name} stopped${failing}`;
  if (!informer.hasSynced()) return `${informer.name} not synced${failing}`;
  // Between two watches (a normal rewatch, a relist) an informer is briefly not watching: only
  // a failure makes that unhealthy.
  if (!informer.isWatching() && err !== undefined) return `${informer.name} not watching${failing}`;
  if (maxEventAgeMs !== undefined) {
    const last = Math.max(informer.lastEventTime() ?? 0, informer.lastListTime() ?? 0);
    const age = informer.clock.now() - last;
    if (last > 0 && age > maxEventAgeMs) {
      return `${informer.name} heard nothing from the server for ${formatDuration(age)} (max ${formatDuration(maxEventAgeMs)})`;
    }
  }
  return undefined;
}

/**
 * A health check (core's `HealthCheck`, for `healthHandler`) over one informer or every informer
 * of a factory. It fails, with one reason per unhealthy informer, when an informer:
 *
 * - is not started, or stopped (`<name> stopped: <error>`);
 * - has not synced (`pods.v1 not synced: failing for 12.0 s: <error>` — readiness);
 * - is not watching because it is failing (`pods.v1 not watching: failing for 3.2 s: <error>`);
 * - heard nothing from the server for more than `maxEventAgeMs`, when given (liveness:
 *   `pods.v1 heard nothing from the server for 312 s (max 300 s)`).
 *
 * `check()` is synchronous and cheap (it reads state).
 *
 * @example
 * ```ts
 * http
 *   .createServer(healthHandler({ readyz: [informerHealthCheck(factory)],
 *     healthz: [informerHealthCheck(factory, { maxEventAgeMs: 300_000 })] }))
 *   .listen(8081, '127.0.0.1');
 * ```
 * @param target - an informer, or a factory (its informers are read at each check).
 * @param options - name and maximum event age.
 */
export function informerHealthCheck(
  target: SharedIndexInformer<unknown> | InformerSource,
  options: InformerHealthCheckOptions = {},
): HealthCheck {
  const { maxEventAgeMs } = options;
  return {
    name: options.name ?? 'informers',
    check(): HealthStatus {
      const informers = isSource(target) ? [...target.informers()] : [target];
      const problems: string[] = [];
      for (const informer of informers) {
        const p = problemOf(informer, maxEventAgeMs);
        if (p !== undefined) problems.push(p);
      }
      return problems.length === 0 ? { ok: true } : { ok: false, reason: problems.join('; ') };
    },
  };
}

// The reconcile loop of controller-runtime's `Controller` (pkg/internal/controller/controller.go:
// processNextWorkItem + reconcileHandler): `concurrency` workers take keys from the rate-limited
// queue, reconcile them, and requeue, forget or back off according to the result.
import { isAbortError, monotonicNow, toError, type Clock, type Logger } from '@kubecache/core';
import type { RateLimitingInterface } from '@kubecache/workqueue';
import type { ControllerMetrics } from './metrics.js';
import { requestFromKey, type ReconcileRequest } from './request.js';

/** What a reconcile may ask for when it succeeds. */
export interface ReconcileResult {
  /**
   * Reconcile this request again after this many ms, even if nothing changes (for polling
   * something outside the cluster, or a deadline in the object). The key's failure backoff is
   * reset. Values ≤ 0 (or not finite) are ignored. Default: no requeue.
   */
  readonly requeueAfterMs?: number;
}

/** What a reconcile receives besides its request. */
export interface ReconcileContext {
  /**
   * Aborts when the reconcile must stop: leadership was lost, or the controller's shutdown
   * deadline passed. Pass it to every request and wait.
   */
  readonly signal: AbortSignal;
  /** The controller's logger with `controller`, `namespace` and `name` fields added. */
  readonly logger: Logger;
  /** How many times this request failed in a row before this attempt (0 on the first try). */
  readonly retries: number;
}

/**
 * Brings the world in line with the primary object named by `request`. Reads the current state
 * from the informers' listers (never trust an event: there is none here), writes through your
 * API client, and returns a {@link ReconcileResult} (or nothing) — or throws to be retried.
 */
export type Reconciler = (
  request: ReconcileRequest,
  context: ReconcileContext,
) => ReconcileResult | undefined | void | Promise<ReconcileResult | undefined | void>;

/**
 * What to do after a reconcile threw:
 * - `'rateLimited'`: retry after the rate limiter's delay (the default: per key 5 ms doubling up
 *   to 1000 s, at most 10 qps overall with a burst of 100);
 * - `{ requeueAfterMs }`: retry after that many ms, and reset the key's backoff;
 * - `'drop'`: give up until the next event for this key (a terminal error).
 */
export type ErrorAction = 'rateLimited' | 'drop' | { readonly requeueAfterMs: number };

/**
 * Decides how a failed reconcile is retried (kube-rs `error_policy`). It must not throw (a throw
 * counts as `'rateLimited'`).
 */
export type ErrorPolicy = (
  error: Error,
  request: ReconcileRequest,
  context: { readonly retries: number },
) => ErrorAction;

/** The pieces the workers run on; built by the controller. */
export interface WorkerPoolOptions {
  readonly name: string;
  readonly queue: RateLimitingInterface<string>;
  readonly reconcile: Reconciler;
  readonly errorPolicy: ErrorPolicy | undefined;
  readonly concurrency: number;
  readonly metrics: ControllerMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Called when a reconcile of `key` starts and ends (for instrumentation in tests). */
  readonly onReconcile?: ((key: string, phase: 'start' | 'end') => void) | undefined;
}

/**
 * Runs workers over the queue. `run(take, stop)`: workers take keys until `take` aborts, and the
 * signal handed to each reconcile aborts when `stop` does. Resolves once every worker has left,
 * i.e. once no reconcile is in flight — so the next term of workers can never overlap a key with
 * an old one.
 */
export class WorkerPool {
  private readonly o: WorkerPoolOptions;
  private active = 0;

  constructor(options: WorkerPoolOptions) {
    this.o = options;
  }

  /** Reconciles in flight right now. */
  inFlight(): number {
    return this.active;
  }

  async run(take: AbortSignal, stop: AbortSignal): Promise<void> {
    const workers: Promise<void>[] = [];
    for (let i = 0; i < this.o.concurrency; i++) workers.push(this.worker(take, stop));
    await Promise.all(workers);
  }

  private async worker(take: AbortSignal, stop: AbortSignal): Promise<void> {
    const { queue } = this.o;
    while (!take.aborted) {
      let key: string;
      try {
        const r = await queue.get(take);
        if (r.shutdown) return;
        key = r.item;
      } catch (err) {
        if (isAbortError(err)) return;
        throw err;
      }
      try {
        await this.reconcileKey(key, stop);
      } finally {
        queue.done(key);
      }
    }
  }

  private async reconcileKey(key: string, stop: AbortSignal): Promise<void> {
    const { queue, metrics, clock, name } = this.o;
    let request: ReconcileRequest;
    try {
      request = requestFromKey(key);
    } catch (err) {
      // Not a key this controller makes: drop it for good.
      this.o.logger.error({ component: 'controller', controller: name, err, key }, 'bad key');
      queue.forget(key);
      return;
    }
    const retries = queue.numRequeues(key);
    const logger = withFields(this.o.logger, {
      controller: name,
      namespace: request.namespace,
      name: request.name,
    });
    const start = monotonicNow(clock);
    this.active++;
    metrics.activeWorkers(this.active);
    this.o.onReconcile?.(key, 'start');
    try {
      const result = await this.o.reconcile(request, { signal: stop, logger, retries });
      const after = result?.requeueAfterMs;
      if (after !== undefined && Number.isFinite(after) && after > 0) {
        queue.forget(key);
        queue.addAfter(key, after);
        metrics.reconciled('requeue_after', monotonicNow(clock) - start, false);
      } else {
        queue.forget(key);
        metrics.reconciled('success', monotonicNow(clock) - start, false);
      }
    } catch (thrown) {
      const err = toError(thrown);
      const action = this.errorAction(err, request, retries);
      if (action === 'rateLimited') queue.addRateLimited(key);
      else if (action !== 'drop') {
        queue.forget(key);
        queue.addAfter(key, action.requeueAfterMs);
      } else queue.forget(key);
      metrics.reconciled('error', monotonicNow(clock) - start, action === 'drop');
      if (!(stop.aborted && isAbortError(err))) {
        this.o.logger.warn(
          { component: 'controller', resource: name, err, key, retries },
          action === 'drop' ? 'reconcile failed; not retried' : 'reconcile failed; will retry',
        );
      }
    } finally {
      this.active--;
      metrics.activeWorkers(this.active);
      this.o.onReconcile?.(key, 'end');
    }
  }

  private errorAction(err: Error, request: ReconcileRequest, retries: number): ErrorAction {
    const policy = this.o.errorPolicy;
    if (policy === undefined) return 'rateLimited';
    try {
      const action = policy(err, request, { retries });
      if (action === 'rateLimited' || action === 'drop') return action;
      const ms = action.requeueAfterMs;
      return Number.isFinite(ms) && ms >= 0 ? action : 'rateLimited';
    } catch (policyErr) {
      this.o.logger.error(
        { component: 'controller', resource: this.o.name, err: policyErr },
        'error policy threw; retrying with the rate limiter',
      );
      return 'rateLimited';
    }
  }
}

/** A logger that adds `fields` to every object-form call. */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  const wrap =
    (level: keyof Logger) =>
    (obj: object | string, msg?: string): void => {
      if (typeof obj === 'string') logger[level]({ ...fields }, obj);
      else logger[level]({ ...fields, ...obj }, msg);
    };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

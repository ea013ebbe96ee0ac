// The reconcile loop of controller-runtime's `Controller` (pkg/internal/controller/controller.go:
// processNextWorkItem + reconcileHandler): `concurrency` workers take keys from the rate-limited
// queue, reconcile them, and requeue, forget or back off according to the result.
import {
  flushLogger,
  isAbortError,
  monotonicNow,
  type Clock,
  type LogLevel,
  type Logger,
} from '@kubecache/core';
import { isPriorityQueue, type RateLimitingInterface } from '@kubecache/workqueue';
import type { Client } from './client.js';
import { ReconcileTimeoutError } from './errors.js';
import { missingClient } from './no-client.js';
import type { ControllerMetrics } from './metrics.js';
import { requestFromKey, type ReconcileRequest } from './request.js';
import { attempt, describeValue, errorOf, safeLog } from './safe.js';

/** What a reconcile may ask for when it succeeds. */
export interface ReconcileResult {
  /**
   * Reconcile this request again after this many ms, even if nothing changes (for polling
   * something outside the cluster, or a deadline in the object). The key's failure backoff is
   * reset. Values ≤ 0 (or not finite) are ignored. Default: no requeue.
   */
  readonly requeueAfterMs?: number;
  /**
   * The priority of that requeue in the controller's priority queue (higher is handed out
   * first; `lowPriority` from `@kubecache/workqueue` is -100, a user's change 0), as
   * controller-runtime's `reconcile.Result.Priority`. A safe integer; anything else is ignored.
   * Default: the priority the request had when this reconcile took it. Ignored with
   * `priorityQueue: false`, and without `requeueAfterMs`.
   */
  readonly priority?: number;
}

/**
 * The result that asks for a requeue after `afterMs` ms, optionally at `priority` — a shorthand
 * for `{ requeueAfterMs: afterMs, priority }` (see {@link ReconcileResult}).
 *
 * @example return requeue({ afterMs: 30_000, priority: lowPriority });
 */
export function requeue(options: { afterMs: number; priority?: number }): ReconcileResult {
  return options.priority === undefined
    ? { requeueAfterMs: options.afterMs }
    : { requeueAfterMs: options.afterMs, priority: options.priority };
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
  /**
   * The controller's client (`controller.client`): its writes are read back by later
   * reconciles (read-your-writes). Without the controller's `kubeConfig` option, every call
   * rejects with a `ControllerOptionsError`.
   */
  readonly client: Client;
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
  /** A reconcile's signal aborts after this many ms (Infinity: never). */
  readonly reconcileTimeoutMs: number;
  /** A reconcile still running this many ms after its signal aborted is wedged (Infinity: never). */
  readonly stuckReconcileMs: number;
  /** Called once per reconcile that is wedged (see `stuckReconcileMs`). */
  readonly onWedged: (key: string, runningMs: number) => void;
  /** The reconciles' `context.client`. Default: one that rejects every call (`missingClient`). */
  readonly client?: Client | undefined;
  /**
   * Read-your-writes: resolves true once the caches caught up with the client's writes a
   * reconcile of `key` must see; false when they did not within the bound (or `signal` aborted):
   * the key is then requeued through the rate limiter without being reconciled.
   */
  readonly awaitWrites?: ((key: string, signal: AbortSignal) => Promise<boolean>) | undefined;
  /** Runs the reconcile of `key` as the owner of the client writes it makes. Default: `run()`. */
  readonly runAs?: (<T>(key: string, run: () => T) => T) | undefined;
  /**
   * Sharding: asked right before a reconcile of `key` starts; `undefined` skips the key (it is
   * forgotten, not requeued), a ticket lets it run and is `done()` once the reconcile returned.
   * Default: every key runs.
   */
  readonly admit?: ((key: string) => { done(): void } | undefined) | undefined;
}

/** Longest delay a timer can take (2³¹ − 1 ms, ~24.8 days): Node fires longer ones at once. */
export const maxDelayMs = 2_147_483_647;

type Outcome =
  | {
      readonly ok: true;
      readonly afterMs: number | undefined;
      readonly priority: number | undefined;
    }
  | { readonly ok: false; readonly err: Error };

/**
 * Runs workers over the queue. `run(take, stop)`: workers take keys until `take` aborts, and the
 * signal handed to each reconcile aborts when `stop` does. Resolves once every worker has left,
 * i.e. once no reconcile is in flight — so the next term of workers can never overlap a key with
 * an old one. Rejects as soon as one worker died of an internal error (the queue or its rate
 * limiter threw); the other workers go on until `take` aborts ({@link WorkerPool.settled}).
 *
 * Whatever a reconcile throws or returns, and whatever the error policy, the `onReconcile` hook
 * or the logger throw, is handled: logged (see `safeLog`) and requeued per the policy.
 */
export class WorkerPool {
  private readonly o: WorkerPoolOptions;
  private active = 0;
  private current: Promise<unknown> = Promise.resolve();
  private client: Client | undefined;

  constructor(options: WorkerPoolOptions) {
    this.o = options;
  }

  /** Reconciles in flight right now. */
  inFlight(): number {
    return this.active;
  }

  /** Resolves once every worker of the last `run` has left (died or not). */
  settled(): Promise<unknown> {
    return this.current;
  }

  async run(take: AbortSignal, stop: AbortSignal): Promise<void> {
    const workers: Promise<void>[] = [];
    for (let i = 0; i < this.o.concurrency; i++) workers.push(this.worker(take, stop));
    this.current = Promise.allSettled(workers);
    await Promise.all(workers);
  }

  private async worker(take: AbortSignal, stop: AbortSignal): Promise<void> {
    const { queue } = this.o;
    while (!take.aborted) {
      let key: string;
      let priority: number | undefined;
      try {
        const r = await queue.get(take);
        if (r.shutdown) return;
        key = r.item;
        // A priority queue says which priority the item had: its requeues keep it.
        const p: unknown = (r as { priority?: unknown }).priority;
        priority = typeof p === 'number' ? p : undefined;
      } catch (err) {
        if (take.aborted) return;
        throw err;
      }
      try {
        await this.reconcileKey(key, priority, stop, take);
      } finally {
        queue.done(key);
      }
    }
  }

  /**
   * Requeues `key` (controller-runtime's `reconcileHandler`): after `afterMs`, or through the
   * rate limiter; on a priority queue at `priority` (the item's own unless the result named one).
   */
  private requeue(
    key: string,
    how: { readonly afterMs?: number; readonly rateLimited?: boolean },
    priority: number | undefined,
  ): void {
    const { queue } = this.o;
    if (priority !== undefined && isPriorityQueue(queue)) {
      queue.addWithOptions(key, { ...how, priority });
    } else if (how.rateLimited === true) queue.addRateLimited(key);
    else queue.addAfter(key, how.afterMs ?? 0);
  }

  private async reconcileKey(
    key: string,
    priority: number | undefined,
    stop: AbortSignal,
    take: AbortSignal,
  ): Promise<void> {
    const { queue, metrics, clock, name } = this.o;
    let request: ReconcileRequest;
    try {
      request = requestFromKey(key);
    } catch (err) {
      // Not a key this controller makes: drop it for good.
      safeLog(
        this.o.logger,
        'error',
        { component: 'controller', controller: name, err, key },
        'bad key',
      );
      queue.forget(key);
      return;
    }
    // A wait for the caches ends with the workers (shutdown or term end), not only at the deadline.
    const awaitWrites = this.o.awaitWrites;
    if (awaitWrites !== undefined && !(await awaitWrites(key, AbortSignal.any([take, stop])))) {
      this.requeue(key, { rateLimited: true }, priority);
      return;
    }
    const admit = this.o.admit;
    const ticket = admit?.(key);
    if (admit !== undefined && ticket === undefined) {
      queue.forget(key); // not this shard's (any more): its events enqueue it if it comes back
      return;
    }
    const retries = queue.numRequeues(key);
    const logger = withFields(this.o.logger, {
      controller: name,
      namespace: request.namespace,
      name: request.name,
      key,
    });
    const start = monotonicNow(clock);
    this.active++;
    this.metric(() => metrics.activeWorkers(this.active));
    this.hook(key, 'start');
    const signal = this.reconcileSignal(key, stop, start);
    let outcome: Outcome;
    try {
      const context: ReconcileContext = {
        signal: signal.signal,
        logger,
        retries,
        client: (this.client ??= this.o.client ?? missingClient(name)),
      };
      const runAs = this.o.runAs;
      outcome = readResult(
        await (runAs !== undefined
          ? runAs(key, () => this.o.reconcile(request, context))
          : this.o.reconcile(request, context)),
      );
    } catch (thrown) {
      outcome = { ok: false, err: errorOf(thrown) };
    } finally {
      if (signal.timedOut()) this.metric(() => metrics.timedOut?.());
      signal.done();
      ticket?.done();
      this.active--;
      this.metric(() => metrics.activeWorkers(this.active));
      this.hook(key, 'end');
    }
    const elapsed = monotonicNow(clock) - start;
    // The queue calls below are the runtime's own: if they throw (a rate limiter returning
    // garbage), the worker dies and the controller fails with reason 'workers'.
    if (outcome.ok) {
      queue.forget(key);
      if (outcome.afterMs !== undefined) {
        this.requeue(key, { afterMs: outcome.afterMs }, outcome.priority ?? priority);
      }
      const result = outcome.afterMs !== undefined ? 'requeue_after' : 'success';
      this.metric(() => metrics.reconciled(result, elapsed, false));
      return;
    }
    const { err } = outcome;
    const action = this.errorAction(err, request, retries);
    if (action === 'rateLimited') this.requeue(key, { rateLimited: true }, priority);
    else if (action !== 'drop') {
      queue.forget(key);
      this.requeue(key, { afterMs: action.requeueAfterMs }, priority);
    } else queue.forget(key);
    this.metric(() => metrics.reconciled('error', elapsed, action === 'drop'));
    let quiet = false;
    try {
      // Aborted by the runtime (leadership lost, shutdown deadline): not the reconcile's failure.
      quiet = stop.aborted && (isAbortError(err) || err === stop.reason);
    } catch {
      // an Error whose fields throw: print it
    }
    if (!quiet) {
      safeLog(
        this.o.logger,
        'warn',
        { component: 'controller', resource: name, err, key, retries },
        action === 'drop' ? 'reconcile failed; not retried' : 'reconcile failed; will retry',
      );
    }
  }

  /**
   * The reconcile's signal: aborts with `stop`, or with a {@link ReconcileTimeoutError} after
   * `reconcileTimeoutMs`; once aborted, the reconcile is declared wedged if it has not returned
   * within `stuckReconcileMs`.
   */
  private reconcileSignal(
    key: string,
    stop: AbortSignal,
    start: number,
  ): { signal: AbortSignal; timedOut(): boolean; done(): void } {
    const { clock, reconcileTimeoutMs, stuckReconcileMs } = this.o;
    const ac = new AbortController();
    let timedOut = false;
    let stuck: { cancel(): void } | undefined;
    const onAbort = (): void => {
      if (!Number.isFinite(stuckReconcileMs)) return;
      stuck = clock.setTimeout(
        () => this.o.onWedged(key, monotonicNow(clock) - start),
        Math.min(stuckReconcileMs, maxDelayMs),
      );
    };
    ac.signal.addEventListener('abort', onAbort, { once: true });
    const onStop = (): void => ac.abort(stop.reason);
    if (stop.aborted) ac.abort(stop.reason);
    else stop.addEventListener('abort', onStop, { once: true });
    const timeout = Number.isFinite(reconcileTimeoutMs)
      ? clock.setTimeout(
          () => {
            if (ac.signal.aborted) return; // stopped first: not a timeout
            timedOut = true;
            ac.abort(new ReconcileTimeoutError(key, reconcileTimeoutMs));
          },
          Math.min(reconcileTimeoutMs, maxDelayMs),
        )
      : undefined;
    return {
      signal: ac.signal,
      timedOut: () => timedOut,
      done: () => {
        timeout?.cancel();
        stuck?.cancel();
        stop.removeEventListener('abort', onStop);
        ac.signal.removeEventListener('abort', onAbort);
      },
    };
  }

  private metric(fn: () => void): void {
    const err = attempt(fn);
    if (err !== undefined) {
      safeLog(
        this.o.logger,
        'error',
        { component: 'controller', resource: this.o.name, err },
        'metrics provider threw',
      );
    }
  }

  private hook(key: string, phase: 'start' | 'end'): void {
    const hook = this.o.onReconcile;
    if (hook === undefined) return;
    const err = attempt(() => hook(key, phase));
    if (err !== undefined) {
      safeLog(
        this.o.logger,
        'error',
        { component: 'controller', resource: this.o.name, err, key },
        `onReconcile hook threw at ${phase}; ignored`,
      );
    }
  }

  private errorAction(err: Error, request: ReconcileRequest, retries: number): ErrorAction {
    const policy = this.o.errorPolicy;
    if (policy === undefined) return 'rateLimited';
    try {
      const action: unknown = policy(err, request, { retries });
      if (action === 'rateLimited' || action === 'drop') return action;
      if (typeof action === 'object' && action !== null) {
        const ms: unknown = (action as { requeueAfterMs?: unknown }).requeueAfterMs;
        if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) {
          return { requeueAfterMs: Math.min(ms, maxDelayMs) };
        }
      }
      safeLog(
        this.o.logger,
        'error',
        { component: 'controller', resource: this.o.name, action: describeValue(action) },
        'error policy returned no valid action; retrying with the rate limiter',
      );
      return 'rateLimited';
    } catch (policyErr) {
      safeLog(
        this.o.logger,
        'error',
        { component: 'controller', resource: this.o.name, err: errorOf(policyErr, 'threw') },
        'error policy threw; retrying with the rate limiter',
      );
      return 'rateLimited';
    }
  }
}

/**
 * What a reconcile's return value asks for: `{ requeueAfterMs }` when it is a finite number
 * > 0 (capped at {@link maxDelayMs}), at `priority` when that is a safe integer; anything else
 * is a success without requeue. A result that cannot be read (a throwing getter, a revoked
 * Proxy) is an error.
 */
function readResult(result: unknown): Outcome {
  const none = { ok: true, afterMs: undefined, priority: undefined } as const;
  if (typeof result !== 'object' || result === null) return none;
  try {
    const after: unknown = (result as ReconcileResult).requeueAfterMs;
    if (typeof after === 'number' && Number.isFinite(after) && after > 0) {
      const p: unknown = (result as ReconcileResult).priority;
      return {
        ok: true,
        afterMs: Math.min(after, maxDelayMs),
        priority: typeof p === 'number' && Number.isSafeInteger(p) ? p : undefined,
      };
    }
    return none;
  } catch (err) {
    return {
      ok: false,
      err: new Error('reconcile returned a result whose requeueAfterMs cannot be read', {
        cause: errorOf(err, 'reading it threw'),
      }),
    };
  }
}

/** A logger that adds `fields` to every object-form call. */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  const wrap =
    (level: LogLevel) =>
    (obj: object | string, msg?: string): void => {
      if (typeof obj === 'string') logger[level]({ ...fields }, obj);
      else logger[level]({ ...fields, ...obj }, msg);
    };
  return {
    debug: wrap('debug'),
    info: wrap('info'),
    warn: wrap('warn'),
    error: wrap('error'),
    flush: () => flushLogger(logger),
  };
}

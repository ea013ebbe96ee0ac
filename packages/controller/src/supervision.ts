// The controller's "never half-alive" rule (the `Controller` contract): the first failure after
// the caches synced — a worker dead of an internal error, an informer stopped, a wedged reconcile,
// a shard that lost its Lease — is recorded once, logged, aborts what the controller runs, and
// fails its health check from then on. controller-runtime's manager stops on a runnable's error
// the same way (pkg/manager/internal.go); its health checks are the `/healthz` of core.
import type { Clock, HealthCheck, Logger } from '@kubecache/core';
import type { SharedIndexInformer } from '@kubecache/informer';
import { ControllerFailedError, type ControllerFailureReason } from './errors.js';
import { errorOf, safeLog } from './safe.js';

/** How often informers the controller did not start are checked for having stopped, in ms. */
const informerCheckMs = 1000;

/**
 * A controller's failure state.
 *
 * Contract:
 * - `fail` records the **first** failure only, and none once `stop()` was called (the `run`
 *   signal aborted or `run` is ending: what stops then is a shutdown, not a failure). It logs the
 *   {@link ControllerFailedError} at error level and aborts `signal` with it.
 * - `healthCheck()` fails from the first failure on, with its message as reason.
 * - `superviseInformers` fails the controller (reason `'informer'`) when an informer stops after
 *   the caches synced.
 */
export interface Supervisor {
  /** The first failure, once there was one. */
  readonly failure: ControllerFailedError | undefined;
  /** Aborts, with the failure as reason, when the controller fails. */
  readonly signal: AbortSignal;
  /** Failures are not recorded any more (shutdown). Idempotent. */
  stop(): void;
  /** Records `reason` / `message` (with `cause`) as the failure, unless stopped or failed already. */
  fail(reason: ControllerFailureReason, message: string, cause: unknown): void;
  /**
   * Core's `HealthCheck` named `controller-<name>`: ok until the controller failed, then not ok
   * with the failure's message as reason.
   */
  healthCheck(): HealthCheck;
  /**
   * Fails the controller with reason `'informer'` when one of `informers` stops: at once for
   * those in `runs` (the controller started them: their `done` settled), within a second (on
   * the clock) for the others (`isStopped()`), until cancelled.
   */
  superviseInformers(
    informers: readonly SharedIndexInformer<unknown>[],
    runs: readonly { informer: SharedIndexInformer<unknown>; done: Promise<void> }[],
  ): { cancel(): void };
}

/**
 * Creates the {@link Supervisor} of the controller `name`.
 *
 * @param options.name - the controller's name (of its errors, logs and health check).
 * @param options.logger - where the failure is logged (component `controller`).
 * @param options.clock - the clock of the informer checks.
 */
export function createSupervisor(options: {
  name: string;
  logger: Logger;
  clock: Clock;
}): Supervisor {
  const { name, logger, clock } = options;
  const failed = new AbortController();
  let failure: ControllerFailedError | undefined;
  let stopping = false;

  const fail = (reason: ControllerFailureReason, message: string, cause: unknown): void => {
    if (failure !== undefined || stopping) return;
    const err = new ControllerFailedError(
      name,
      reason,
      message,
      cause === undefined ? undefined : { cause },
    );
    failure = err;
    safeLog(
      logger,
      'error',
      { component: 'controller', resource: name, err },
      'cannot work any more; stopping',
    );
    failed.abort(err);
  };

  return {
    get failure() {
      return failure;
    },
    signal: failed.signal,
    stop() {
      stopping = true;
    },
    fail,
    healthCheck: () => ({
      name: `controller-${name}`,
      check: () => (failure === undefined ? { ok: true } : { ok: false, reason: failure.message }),
    }),
    superviseInformers(informers, runs) {
      const stopped = (informer: SharedIndexInformer<unknown>, err: unknown): void => {
        const cause = err ?? informer.lastError();
        fail(
          'informer',
          `informer ${informer.name} stopped${cause === undefined ? '' : `: ${errorOf(cause).message}`}`,
          cause,
        );
      };
      for (const { informer, done } of runs) {
        done.then(
          () => stopped(informer, undefined),
          (err: unknown) => stopped(informer, err),
        );
      }
      const ours = new Set(runs.map((r) => r.informer));
      const others = informers.filter((i) => !ours.has(i));
      if (others.length === 0) return { cancel: () => undefined };
      let timer: { cancel(): void } | undefined;
      const check = (): void => {
        const gone = others.find((i) => i.isStopped());
        if (gone !== undefined) stopped(gone, undefined);
        else timer = clock.setTimeout(check, informerCheckMs);
      };
      timer = clock.setTimeout(check, informerCheckMs);
      return { cancel: () => timer?.cancel() };
    },
  };
}

// One term of a controller's workers: from the start (no election) or a won election until the
// shutdown, the end of the leadership or the controller's failure, with controller-runtime's
// graceful shutdown (pkg/manager/internal.go: runnables get `GracefulShutdownTimeout`, then are
// left). A lost leadership stops the work at once (controller-runtime's manager exits then).
import type { Clock, Logger } from '@kubecache/core';
import type { ControllerFailedError } from './errors.js';
import type { PrimaryResync } from './resync.js';
import { errorOf } from './safe.js';
import type { Supervisor } from './supervision.js';
import { maxDelayMs, type WorkerPool } from './workers.js';

/**
 * The terms of a controller's workers (at most one at a time).
 *
 * Contract of `run(term, shutdown)`:
 * - Starts by enqueuing every primary (`resync.enqueueAll()`: whatever happened before, each is
 *   looked at again) and the periodic resync; `isLeading()` is true until it returns.
 * - `shutdown` aborted (graceful): the workers stop taking keys at once; reconciles in flight
 *   may finish until `shutdownTimeoutMs`, then their signal aborts and `run` resolves with how
 *   many were still running (logged at warn level:
 *   `shutdown deadline passed with reconciles in flight; leaving them`). 0 when all finished.
 * - `term` aborted (leadership lost, no shutdown): reconciles in flight are aborted at once and
 *   the workers stop; resolves with 0. Keys stay queued.
 * - The controller failed (`supervisor.signal`), or a worker died (which fails it with reason
 *   `'workers'`): reconciles are aborted, given until `min(shutdownTimeoutMs,
 *   stuckReconcileMs)` to return (not waited for when the failure is `'wedged'`), then `run`
 *   rejects with the `ControllerFailedError`. Also at once when the controller had failed
 *   before the term.
 */
export interface WorkerTerms {
  /** True while a term's workers run. */
  isLeading(): boolean;
  /**
   * Runs one term; see {@link WorkerTerms} for how it ends.
   *
   * @returns how many reconciles were left running at the shutdown deadline.
   * @throws ControllerFailedError when the controller failed.
   */
  run(term: AbortSignal, shutdown: AbortSignal): Promise<number>;
}

/**
 * Creates the {@link WorkerTerms} of a controller over its worker `pool`.
 *
 * @param options.shutdownTimeoutMs - the graceful shutdown's deadline, in ms.
 * @param options.stuckReconcileMs - bounds the wait for reconciles after a failure, in ms.
 * @param options.name - the controller's name (its logs and the deadline's abort reason).
 */
export function createWorkerTerms(options: {
  pool: WorkerPool;
  supervisor: Supervisor;
  resync: PrimaryResync;
  shutdownTimeoutMs: number;
  stuckReconcileMs: number;
  clock: Clock;
  logger: Logger;
  name: string;
}): WorkerTerms {
  const { pool, supervisor, resync, shutdownTimeoutMs, stuckReconcileMs, clock, logger, name } =
    options;
  let leading = false;

  async function run(term: AbortSignal, shutdown: AbortSignal): Promise<number> {
    if (supervisor.failure !== undefined) throw supervisor.failure;
    if (shutdown.aborted || term.aborted) return 0;
    leading = true;
    // A new term starts from the whole cache: whatever happened while another replica led (or
    // before this one), every primary is looked at again.
    resync.enqueueAll();
    const periodic = resync.every();
    const take = new AbortController();
    const stop = new AbortController();
    let deadline: { cancel(): void } | undefined;
    let settle: (how: 'deadline' | 'failed') => void = () => undefined;
    const interrupted = new Promise<'deadline' | 'failed'>((resolve) => {
      settle = resolve;
    });
    let inFlightAtDeadline = 0;
    const onShutdown = (): void => {
      take.abort(shutdown.reason);
      deadline = clock.setTimeout(() => {
        inFlightAtDeadline = pool.inFlight(); // before the abort lets some of them return
        stop.abort(new Error(`controller ${name}: shutdown deadline passed`));
        settle('deadline');
      }, shutdownTimeoutMs);
    };
    const onTermEnd = (): void => {
      if (shutdown.aborted) return; // the graceful path owns this stop
      take.abort(term.reason);
      stop.abort(term.reason);
    };
    const onFailed = (): void => {
      take.abort(supervisor.failure);
      stop.abort(supervisor.failure);
      settle('failed');
    };
    shutdown.addEventListener('abort', onShutdown, { once: true });
    term.addEventListener('abort', onTermEnd, { once: true });
    supervisor.signal.addEventListener('abort', onFailed, { once: true });
    try {
      const workers = pool.run(take.signal, stop.signal).then(
        () => 'drained' as const,
        (err: unknown) => {
          supervisor.fail('workers', `a worker died: ${errorOf(err).message}`, err);
          return 'failed' as const;
        },
      );
      const first = await Promise.race([workers, interrupted]);
      const failure = supervisor.failure as ControllerFailedError | undefined;
      if (first === 'failed' && failure !== undefined) {
        // Give the other workers' reconciles (their signal aborted) until the stuck deadline
        // to return; a wedged one is not waited for.
        if (failure.reason !== 'wedged') {
          const bound = Math.min(shutdownTimeoutMs, stuckReconcileMs, maxDelayMs);
          let timer: { cancel(): void } | undefined;
          await Promise.race([
            pool.settled(),
            new Promise<void>((resolve) => {
              timer = clock.setTimeout(resolve, bound);
            }),
          ]);
          timer?.cancel();
        }
        throw failure;
      }
      if (first === 'deadline') {
        const inFlight = inFlightAtDeadline;
        logger.warn(
          { component: 'controller', resource: name, inFlight, timeoutMs: shutdownTimeoutMs },
          'shutdown deadline passed with reconciles in flight; leaving them',
        );
        return inFlight;
      }
      return 0;
    } finally {
      periodic.cancel();
      deadline?.cancel();
      shutdown.removeEventListener('abort', onShutdown);
      term.removeEventListener('abort', onTermEnd);
      supervisor.signal.removeEventListener('abort', onFailed);
      leading = false;
    }
  }

  return { isLeading: () => leading, run };
}

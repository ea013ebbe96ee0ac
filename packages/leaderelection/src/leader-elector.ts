// Port of k8s.io/client-go/tools/leaderelection/leaderelection.go (client-go v1.36): the
// LeaderElector and its run loop — the acquire loop with jittered retries, the renew loop bounded
// by the renew deadline, release on cancel, and the health check behind HealthzAdaptor. The
// parts live beside it: one attempt (try-acquire-or-renew.ts, with the leader's optimistic fast
// path and expiry judged by the local time of the last observed change), the term (term.ts), the
// release (release.ts), the state they share (elector-state.ts) and the record of our own writes
// (own-writes.ts). Deliberate differences are marked "Differs from client-go" and listed in the
// README.
import { flushLogger, sleep } from '@kubecache/core';
import { jitterFactor, type LeaderElectorOptions } from './config.js';
import { ElectorState, type ElectorInternals } from './elector-state.js';
import { LeaderElectionHealthError, type LeaderWorkFailedError } from './errors.js';
import { release } from './release.js';
import { awaitWork, endTerm, extendTerm, startTerm } from './term.js';
import { tryAcquireOrRenew } from './try-acquire-or-renew.js';

export type { ElectorInternals } from './elector-state.js';

/**
 * A leader election client: one per replica, all replicas pointing at the same lock.
 *
 * Contract:
 * - `run(signal)` campaigns until `signal` aborts. While it runs the replica is either a
 *   candidate (trying to acquire every `retryPeriodMs` × (1 + up to 1.2 jitter)) or the leader
 *   (renewing every `retryPeriodMs`). It resolves once the signal aborted, the current term
 *   ended, `onStartedLeading` returned and, with `releaseOnCancel`, the release was attempted;
 *   no timer or request is left behind. Lock failures never make it reject (they are logged and
 *   retried). It rejects with a {@link LeaderWorkFailedError} when `onStartedLeading` rejected
 *   (or threw) while its term was open: the term ends at once (its signal aborts with reason
 *   `work-failed`, `onStoppedLeading` runs), renewals stop, and the Lease is released whatever
 *   `releaseOnCancel` says; `run` rejects after the release was attempted. It also rejects if
 *   called while already running.
 * - `onStartedLeading` returning (or its Promise resolving) while the term is open does not end
 *   the term: the replica keeps renewing until the lease is lost or `signal` aborts (as client-go,
 *   where the end of the `OnStartedLeading` goroutine goes unnoticed).
 * - A term starts with `onStartedLeading(signal)` after a write of this replica's identity
 *   succeeded, and ends — `signal` aborted, then `onStoppedLeading()` — as soon as one of these
 *   happens: `renewDeadlineMs` passed since the start of the last renewal that succeeded; a read
 *   shows another holder; `onStartedLeading` failed; the `run` signal aborted. After a term ended
 *   the replica campaigns again, once `onStartedLeading` of the ended term has returned.
 * - Acting only on what it observed itself: outside a term, a lease is taken without waiting
 *   only when it was released (no holder, a 1 s duration) or when its record is one this elector
 *   wrote itself (e.g. a write whose answer was lost). Any other state — held by another identity,
 *   naming this identity without having been written by this elector (a restart, a hand edit),
 *   no holder with another duration, invalid, or missing (deleted, or never created) — is taken
 *   only after it stayed unchanged for the longer of `leaseDurationMs` and the record's own
 *   duration, measured on the local clock from the moment this elector saw it first. The leader
 *   (inside its term) renews over hand edits and recreates a deleted lease.
 * - Safety (no two replicas inside a term at once) holds as long as identities are unique, every
 *   elector uses a `renewDeadlineMs` below every other's `leaseDurationMs` by a margin that
 *   covers clock rate differences (the fastest clock may run at most `leaseDurationMs /
 *   renewDeadlineMs` times the slowest), and nobody writes a released record (no holder, a 1 s
 *   duration) by hand. Clock offsets do not matter (local times are never compared with times
 *   from the record); partitions, slow and lost answers, 409s, restarts, deletion and other hand
 *   edits of the Lease do not break it. It is not fencing: work started in a term can still land
 *   after it ended.
 */
export interface LeaderElector {
  /** This replica's identity (the lock's). */
  readonly identity: string;
  /**
   * Campaigns until `signal` aborts; see the interface contract. Rejects with
   * {@link LeaderWorkFailedError} when leader work failed, or with an `Error` if called while
   * already running.
   */
  run(signal: AbortSignal): Promise<void>;
  /** True while a term is open (between `onStartedLeading` and the abort of its signal). */
  isLeader(): boolean;
  /** The holder of the last observed record, `''` if none was observed or the lease is released. For information only. */
  getLeader(): string;
  /**
   * client-go's `Check`: returns a {@link LeaderElectionHealthError} when this replica acts as
   * leader (a term is open, or an ended term's `onStartedLeading` has not returned) but its last
   * successful renewal is more than `leaseDurationMs + toleranceMs` ago, or when the last `run`
   * ended because leader work failed (until `run` is called again; `cause` is the
   * {@link LeaderWorkFailedError}); `undefined` otherwise.
   */
  check(toleranceMs: number): LeaderElectionHealthError | undefined;
}

/** Creates a {@link LeaderElector}. Throws `LeaderElectionConfigError` for invalid options. */
export function createLeaderElector(options: LeaderElectorOptions): LeaderElector {
  return new Elector(options);
}

/** The implementation; exported for tests that plant bugs through {@link ElectorInternals}. */
export class Elector implements LeaderElector {
  readonly identity: string;
  readonly #s: ElectorState;
  #running = false;

  constructor(options: LeaderElectorOptions, internals: ElectorInternals = {}) {
    this.#s = new ElectorState(options, internals);
    this.identity = this.#s.config.identity;
  }

  isLeader(): boolean {
    return this.#s.term !== undefined;
  }

  getLeader(): string {
    return this.#s.getLeader();
  }

  check(toleranceMs: number): LeaderElectionHealthError | undefined {
    const s = this.#s;
    const since = s.clock.now() - s.lastRenewAt;
    const failure = s.failure;
    if (failure !== undefined) {
      return new LeaderElectionHealthError(
        `leader election ${s.config.name} ended because ${failure.message}`,
        since,
        { cause: failure },
      );
    }
    if (s.term === undefined && s.work === undefined) return undefined;
    if (since <= s.config.leaseDurationMs + toleranceMs) return undefined;
    return new LeaderElectionHealthError(
      `failed election to renew leadership on lease ${s.config.name}: acting as leader ${String(since)} ms after the last renewal (lease duration ${String(s.config.leaseDurationMs)} ms + tolerance ${String(toleranceMs)} ms)`,
      since,
    );
  }

  async run(signal: AbortSignal): Promise<void> {
    const s = this.#s;
    if (this.#running) throw new Error(`leader election ${s.config.name} is already running`);
    this.#running = true;
    s.failure = undefined;
    const stopController = new AbortController();
    const onAbort = (): void => stopController.abort(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    s.stop = stopController;
    const stop = stopController.signal;
    s.log('info', 'attempting to acquire leader lease');
    try {
      while (!stop.aborted) {
        if (s.work !== undefined && s.term === undefined) {
          await awaitWork(s, stop);
          if (stop.aborted) break;
        }
        await this.#tryOnce(stop);
        if (stop.aborted) break;
        // client-go: the leader renews every retryPeriod (wait.Until + PollImmediateUntil);
        // candidates retry with JitterUntil(retryPeriod, 1.2, sliding).
        const delay =
          s.term !== undefined
            ? s.config.retryPeriodMs
            : s.config.retryPeriodMs * (1 + s.random() * jitterFactor);
        await sleep(delay, { clock: s.clock, signal: stop }).catch(() => undefined);
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      endTerm(s, 'cancelled', undefined);
      await awaitWork(s, undefined);
      // A leader whose work failed must not keep the lease, whatever releaseOnCancel says.
      if (s.config.releaseOnCancel || s.failure !== undefined) await release(s);
      s.stop = undefined;
      this.#running = false;
      // Print the repeat counts the logger still holds (the outage of the last window).
      flushLogger(s.logger);
    }
    // Set by the term's work failure while the loop ran (a read through a method: TS narrowed the field).
    const failure = this.#currentFailure();
    if (failure !== undefined) throw failure;
  }

  #currentFailure(): LeaderWorkFailedError | undefined {
    return this.#s.failure;
  }

  /** One tryAcquireOrRenew, bounded by the renew deadline; opens or extends a term on success. */
  async #tryOnce(runSignal: AbortSignal): Promise<void> {
    const s = this.#s;
    const start = s.clock.now();
    // A term whose deadline passed is over even if its timer has not fired yet (a busy loop).
    const term = s.term;
    if (term !== undefined && start >= term.deadline && s.internals.ignoreRenewDeadline !== true)
      endTerm(s, 'renew-deadline', s.lastError);
    const controller = new AbortController();
    const onRunAbort = (): void => controller.abort(runSignal.reason);
    runSignal.addEventListener('abort', onRunAbort, { once: true });
    // A success that arrives after start + renewDeadline could not open or extend a term anyway.
    let timedOut = false;
    const timeout = s.clock.setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('attempt exceeded the renew deadline'));
    }, s.config.renewDeadlineMs);
    s.attempt = controller;
    try {
      const ok = await tryAcquireOrRenew(s, start, controller.signal);
      if (timedOut && !runSignal.aborted) {
        s.failed(
          new Error(`no answer from the lock within ${String(s.config.renewDeadlineMs)} ms`),
          'lease request timed out',
          'warn',
        );
      }
      if (!ok || controller.signal.aborted || runSignal.aborted) return;
      s.lastRenewAt = s.clock.now();
      s.lastError = undefined;
      // Differs from client-go: the deadline runs from the start of the last attempt that
      // succeeded (the write happened after it), not from the end of the wait after it, so a
      // slow answer cannot stretch a term past what others measure from the write.
      const deadline =
        s.internals.deadlineFromAnswer === true
          ? s.clock.now() + s.config.retryPeriodMs + s.config.renewDeadlineMs
          : start + s.config.renewDeadlineMs;
      if (s.term !== undefined) extendTerm(s, s.term, deadline);
      else if (!s.claimPending()) {
        s.claimSince = undefined;
        startTerm(s, deadline);
      }
    } finally {
      timeout.cancel();
      runSignal.removeEventListener('abort', onRunAbort);
      if (s.attempt === controller) s.attempt = undefined;
    }
  }
}

// Port of k8s.io/client-go/tools/leaderelection/leaderelection.go (client-go v1.36): the acquire
// loop with jittered retries, the renew loop bounded by the renew deadline, the optimistic fast
// path of the leader, expiry judged by the local time of the last observed change, release on
// cancel, and the health check behind HealthzAdaptor. Deliberate differences are marked
// "Differs from client-go" and listed in the README.
import {
  defaultLogger,
  realClock,
  sleep,
  toError,
  type Clock,
  type TimerHandle,
} from '@kubecache/core';
import {
  jitterFactor,
  resolveConfig,
  type LeaderElectorOptions,
  type ResolvedConfig,
} from './config.js';
import {
  LeaderElectionHealthError,
  LeadershipLostError,
  isConflict,
  type LeadershipLostReason,
} from './errors.js';
import { microTime, type LeaderElectionRecord } from './record.js';
import { createReporter, type Reporter } from './reporter.js';
import type { LockSnapshot } from './resource-lock.js';

/**
 * A leader election client: one per replica, all replicas pointing at the same lock.
 *
 * Contract:
 * - `run(signal)` campaigns until `signal` aborts. While it runs the replica is either a
 *   candidate (trying to acquire every `retryPeriodMs` × (1 + up to 1.2 jitter)) or the leader
 *   (renewing every `retryPeriodMs`). It resolves once the signal aborted, the current term
 *   ended, `onStartedLeading` returned and, with `releaseOnCancel`, the release was attempted;
 *   no timer or request is left behind. It never rejects; failures are logged.
 * - A term starts with `onStartedLeading(signal)` after a write of this replica's identity
 *   succeeded, and ends — `signal` aborted, then `onStoppedLeading()` — as soon as one of these
 *   happens: `renewDeadlineMs` passed since the start of the last renewal that succeeded; a read
 *   shows another holder; the `run` signal aborted. After a term ended the replica campaigns
 *   again, once `onStartedLeading` of the ended term has returned.
 * - Candidates take over a lease held by someone else only when the record did not change for
 *   its `leaseDurationSeconds` as measured on the local clock since they saw it change, and only
 *   with a write conditional on the version they read (a 409 means another replica won).
 * - Safety (no two replicas inside a term at once) holds as long as every write of the record
 *   goes through electors with these settings, identities are unique, the Lease is not deleted
 *   by hand, and clock rates differ by less than the margin between `renewDeadlineMs` and
 *   `leaseDurationMs`. It is not fencing: work started in a term can still land after it ended.
 */
export interface LeaderElector {
  /** This replica's identity (the lock's). */
  readonly identity: string;
  /** Campaigns until `signal` aborts; see the interface contract. Rejects only if called while already running. */
  run(signal: AbortSignal): Promise<void>;
  /** True while a term is open (between `onStartedLeading` and the abort of its signal). */
  isLeader(): boolean;
  /** The holder of the last observed record, `''` if none was observed or the lease is released. For information only. */
  getLeader(): string;
  /**
   * client-go's `Check`: returns a {@link LeaderElectionHealthError} when this replica acts as
   * leader (a term is open, or an ended term's `onStartedLeading` has not returned) but its last
   * successful renewal is more than `leaseDurationMs + toleranceMs` ago; `undefined` otherwise.
   */
  check(toleranceMs: number): LeaderElectionHealthError | undefined;
}

/** Test-only switches that plant known bugs, so tests can show their checkers catch them. */
export interface ElectorInternals {
  /** Keep leading when renewals fail (never end a term on the renew deadline). */
  ignoreRenewDeadline?: boolean;
  /**
   * client-go's timing: the deadline runs from the answer of the last successful renewal plus a
   * retry period, not from its start (unsafe when an answer is slow; see the README).
   */
  deadlineFromAnswer?: boolean;
}

interface Term {
  readonly controller: AbortController;
  deadline: number;
  timer: TimerHandle | undefined;
}

/** The record text standing for "the lease does not exist". */
const absent = '\u0000absent';

/** Creates a {@link LeaderElector}. Throws `LeaderElectionConfigError` for invalid options. */
export function createLeaderElector(options: LeaderElectorOptions): LeaderElector {
  return new Elector(options);
}

/** The implementation; exported for tests that plant bugs through {@link ElectorInternals}. */
export class Elector implements LeaderElector {
  readonly identity: string;
  readonly #config: ResolvedConfig;
  readonly #options: LeaderElectorOptions;
  readonly #clock: Clock;
  readonly #reporter: Reporter;
  readonly #random: () => number;
  readonly #internals: ElectorInternals;
  #running = false;
  /** The last record read or written, its canonical text and the local time it changed. */
  #observed: LockSnapshot | undefined;
  #observedRaw: string | undefined;
  #observedTime = 0;
  #reportedLeader = '';
  #term: Term | undefined;
  /** Local time of the last successful write of our record. */
  #lastRenewAt = 0;
  /** The `onStartedLeading` of the current or last term, until it settles. */
  #work: Promise<void> | undefined;
  #attempt: AbortController | undefined;
  #lastError: Error | undefined;
  #waitingForDeletedLease = false;

  constructor(options: LeaderElectorOptions, internals: ElectorInternals = {}) {
    this.#config = resolveConfig(options);
    this.#options = options;
    this.identity = this.#config.identity;
    this.#clock = options.clock ?? realClock;
    this.#reporter =
      options.logger !== undefined
        ? createReporter(options.logger, this.#clock)
        : createReporter(defaultLogger, this.#clock, { rateLimit: false });
    this.#random = options.random ?? Math.random;
    this.#internals = internals;
  }

  isLeader(): boolean {
    return this.#term !== undefined;
  }

  getLeader(): string {
    return this.#observed?.record.holderIdentity ?? '';
  }

  check(toleranceMs: number): LeaderElectionHealthError | undefined {
    if (this.#term === undefined && this.#work === undefined) return undefined;
    const since = this.#clock.now() - this.#lastRenewAt;
    if (since <= this.#config.leaseDurationMs + toleranceMs) return undefined;
    return new LeaderElectionHealthError(
      `failed election to renew leadership on lease ${this.#config.name}: acting as leader ${String(since)} ms after the last renewal (lease duration ${String(this.#config.leaseDurationMs)} ms + tolerance ${String(toleranceMs)} ms)`,
      since,
    );
  }

  async run(signal: AbortSignal): Promise<void> {
    if (this.#running) throw new Error(`leader election ${this.#config.name} is already running`);
    this.#running = true;
    this.#log('info', 'attempting to acquire leader lease');
    try {
      while (!signal.aborted) {
        if (this.#work !== undefined && this.#term === undefined) {
          await this.#awaitWork(signal);
          if (signal.aborted) break;
        }
        await this.#tryOnce(signal);
        if (signal.aborted) break;
        // client-go: the leader renews every retryPeriod (wait.Until + PollImmediateUntil);
        // candidates retry with JitterUntil(retryPeriod, 1.2, sliding).
        const delay =
          this.#term !== undefined
            ? this.#config.retryPeriodMs
            : this.#config.retryPeriodMs * (1 + this.#random() * jitterFactor);
        await sleep(delay, { clock: this.#clock, signal }).catch(() => undefined);
      }
    } finally {
      this.#endTerm('cancelled', undefined);
      await this.#awaitWork(undefined);
      if (this.#config.releaseOnCancel) await this.#release();
      this.#running = false;
    }
  }

  /** Waits for the last term's `onStartedLeading` to return, warning when it takes long. */
  async #awaitWork(signal: AbortSignal | undefined): Promise<void> {
    const work = this.#work;
    if (work === undefined) return;
    const warn = this.#clock.setTimeout(() => {
      this.#log('warn', 'waiting for onStartedLeading to return after leadership ended');
    }, this.#config.retryPeriodMs);
    try {
      if (signal === undefined) {
        await work;
      } else {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            signal.removeEventListener('abort', done);
            resolve();
          };
          signal.addEventListener('abort', done, { once: true });
          void work.then(done);
        });
      }
    } finally {
      warn.cancel();
    }
  }

  /** One tryAcquireOrRenew, bounded by the renew deadline; opens or extends a term on success. */
  async #tryOnce(runSignal: AbortSignal): Promise<void> {
    const start = this.#clock.now();
    const controller = new AbortController();
    const onRunAbort = (): void => controller.abort(runSignal.reason);
    runSignal.addEventListener('abort', onRunAbort, { once: true });
    // A success that arrives after start + renewDeadline could not open or extend a term anyway.
    let timedOut = false;
    const timeout = this.#clock.setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('attempt exceeded the renew deadline'));
    }, this.#config.renewDeadlineMs);
    this.#attempt = controller;
    try {
      const ok = await this.#tryAcquireOrRenew(start, controller.signal);
      if (timedOut && !runSignal.aborted) {
        this.#failed(
          new Error(`no answer from the lock within ${String(this.#config.renewDeadlineMs)} ms`),
          'lease request timed out',
          'warn',
        );
      }
      if (!ok || controller.signal.aborted || runSignal.aborted) return;
      this.#lastRenewAt = this.#clock.now();
      this.#lastError = undefined;
      // Differs from client-go: the deadline runs from the start of the last attempt that
      // succeeded (the write happened after it), not from the end of the wait after it, so a
      // slow answer cannot stretch a term past what others measure from the write.
      const deadline =
        this.#internals.deadlineFromAnswer === true
          ? this.#clock.now() + this.#config.retryPeriodMs + this.#config.renewDeadlineMs
          : start + this.#config.renewDeadlineMs;
      if (this.#term === undefined) this.#startTerm(deadline);
      else this.#extendTerm(this.#term, deadline);
    } finally {
      timeout.cancel();
      runSignal.removeEventListener('abort', onRunAbort);
      if (this.#attempt === controller) this.#attempt = undefined;
    }
  }

  /** client-go's tryAcquireOrRenew. Resolves true when our record was written. Never rejects. */
  async #tryAcquireOrRenew(start: number, signal: AbortSignal): Promise<boolean> {
    const { lock, identity } = this.#config;
    const desired: LeaderElectionRecord = {
      holderIdentity: identity,
      leaseDurationSeconds: this.#config.leaseDurationMs / 1000,
      acquireTime: microTime(start),
      renewTime: microTime(start),
      leaderTransitions: 0,
    };

    // 1. The leader's fast path: write over the version it wrote last, without reading first.
    const observed = this.#observed;
    if (
      this.#term !== undefined &&
      observed !== undefined &&
      observed.record.holderIdentity === identity &&
      this.#observedRaw !== absent
    ) {
      try {
        const written = await lock.update(
          {
            ...desired,
            acquireTime: observed.record.acquireTime || desired.acquireTime,
            leaderTransitions: observed.record.leaderTransitions,
          },
          signal,
        );
        this.#observe(written, true);
        return true;
      } catch (err) {
        if (signal.aborted) return false;
        this.#failed(err, 'failed to renew lease optimistically; reading it', 'debug');
      }
    }

    // 2. Read the record (or find it missing).
    let current: LockSnapshot | undefined;
    try {
      current = await lock.get(signal);
    } catch (err) {
      if (!signal.aborted) this.#failed(err, 'error retrieving resource lock', 'warn');
      return false;
    }

    if (current === undefined) {
      if (!this.#mayCreate()) return false;
      const previous = this.#observed?.record;
      const transitions =
        previous === undefined
          ? 0
          : previous.leaderTransitions +
            (previous.holderIdentity !== '' && previous.holderIdentity !== identity ? 1 : 0);
      try {
        const created = await lock.create({ ...desired, leaderTransitions: transitions }, signal);
        this.#observe(created, true);
        this.#reportTransition();
        return true;
      } catch (err) {
        if (signal.aborted) return false;
        if (isConflict(err)) this.#failed(err, 'another replica created the lease first', 'debug');
        else this.#failed(err, 'error initially creating leader election record', 'warn');
        return false;
      }
    }

    // 3. Record obtained: note a change (by its text, at the local time), then check holder and expiry.
    this.#observe(current, false);
    this.#reportTransition();
    if (current.invalid !== undefined) {
      this.#reporter.report(
        'warn',
        'the lease has an invalid record; treating it as held until it stays unchanged for a lease duration',
        this.#fields(),
        current.invalid,
      );
    }
    const holder = current.record.holderIdentity;
    // An invalid record is held by someone we cannot identify, even with an empty holder.
    const heldByOther =
      current.invalid !== undefined ? holder !== identity : holder !== '' && holder !== identity;
    if (heldByOther) {
      if (this.#term !== undefined) {
        // Differs from client-go: Go keeps polling until the renew deadline although the lease
        // is visibly someone else's; here the term ends at once.
        this.#endTerm('lease-taken', undefined);
      }
      if (this.#clock.now() < this.#observedTime + this.#durationOf(current)) return false;
      this.#log('info', 'the lease expired without a change; taking it over', { holder });
    }

    // 4. Write our record, conditional on the version just read.
    const record: LeaderElectionRecord =
      holder === identity && current.invalid === undefined
        ? {
            ...desired,
            acquireTime: current.record.acquireTime || desired.acquireTime,
            leaderTransitions: current.record.leaderTransitions,
          }
        : { ...desired, leaderTransitions: current.record.leaderTransitions + 1 };
    try {
      const written = await lock.update(record, signal);
      this.#observe(written, true);
      this.#reportTransition();
      return true;
    } catch (err) {
      if (signal.aborted) return false;
      if (isConflict(err)) this.#failed(err, 'lost the race to write the lease', 'debug');
      else this.#failed(err, 'failed to update lock', 'warn');
      return false;
    }
  }

  /** May a missing lease be created now? Not while a deleted lease of another holder would still be valid. */
  #mayCreate(): boolean {
    const previous = this.#observed;
    if (previous === undefined) return true;
    if (this.#observedRaw !== absent) {
      // First time we see it missing: the deletion is a change, seen now.
      this.#observedRaw = absent;
      this.#observedTime = this.#clock.now();
    }
    const holder = previous.record.holderIdentity;
    if (holder === '' || holder === this.#config.identity) return true;
    // Differs from client-go: Go creates a deleted lease at once, even while the last holder may
    // still lead; here replicas that saw another holder wait a lease duration first.
    if (this.#clock.now() < this.#observedTime + this.#durationOf(previous)) {
      if (!this.#waitingForDeletedLease) {
        this.#waitingForDeletedLease = true;
        this.#log('warn', 'the lease was deleted; waiting a lease duration before creating it', {
          holder,
        });
      }
      return false;
    }
    this.#waitingForDeletedLease = false;
    return true;
  }

  /** Wait time of a record: its own duration when valid, else ours. */
  #durationOf(snapshot: LockSnapshot): number {
    const seconds = snapshot.record.leaseDurationSeconds;
    return snapshot.invalid === undefined && seconds > 0
      ? seconds * 1000
      : this.#config.leaseDurationMs;
  }

  #observe(snapshot: LockSnapshot, ownWrite: boolean): void {
    if (ownWrite || snapshot.raw !== this.#observedRaw) {
      this.#observed = snapshot;
      this.#observedRaw = snapshot.raw;
      this.#observedTime = this.#clock.now();
      this.#waitingForDeletedLease = false;
    }
  }

  #reportTransition(): void {
    const holder = this.#observed?.record.holderIdentity ?? '';
    // Differs from client-go: a released lease (empty holder) is not reported as a new leader.
    if (holder === '' || holder === this.#reportedLeader) return;
    this.#reportedLeader = holder;
    this.#log('info', 'new leader elected', { leader: holder });
    this.#callback('onNewLeader', () => this.#options.onNewLeader?.(holder));
  }

  #startTerm(deadline: number): void {
    const term: Term = { controller: new AbortController(), deadline, timer: undefined };
    this.#term = term;
    this.#extendTerm(term, deadline);
    this.#log('info', 'successfully acquired lease');
    let work: Promise<void>;
    try {
      work = Promise.resolve(this.#options.onStartedLeading(term.controller.signal)).then(
        () => undefined,
        (err: unknown) =>
          this.#reporter.report('error', 'onStartedLeading failed', this.#fields(), toError(err)),
      );
    } catch (err) {
      this.#reporter.report('error', 'onStartedLeading failed', this.#fields(), toError(err));
      work = Promise.resolve();
    }
    const tracked: Promise<void> = work.then(() => {
      if (this.#work === tracked) this.#work = undefined;
    });
    this.#work = tracked;
  }

  #extendTerm(term: Term, deadline: number): void {
    term.deadline = deadline;
    term.timer?.cancel();
    if (this.#internals.ignoreRenewDeadline === true) return;
    term.timer = this.#clock.setTimeout(
      () => {
        if (this.#term === term) this.#endTerm('renew-deadline', this.#lastError);
      },
      Math.max(0, deadline - this.#clock.now()),
    );
  }

  #endTerm(reason: LeadershipLostReason, cause: Error | undefined): void {
    const term = this.#term;
    if (term === undefined) return;
    this.#term = undefined;
    term.timer?.cancel();
    this.#attempt?.abort(new Error('leadership ended'));
    const message =
      reason === 'renew-deadline'
        ? `failed to renew lease ${this.#config.name}: no renewal succeeded within ${String(this.#config.renewDeadlineMs)} ms`
        : reason === 'lease-taken'
          ? `lease ${this.#config.name} is held by ${this.getLeader()}`
          : `leader election ${this.#config.name} was cancelled`;
    term.controller.abort(new LeadershipLostError(reason, message, cause ? { cause } : undefined));
    if (reason === 'cancelled') this.#log('info', 'stopped leading: cancelled');
    else this.#reporter.report('error', `stopped leading: ${message}`, this.#fields(), cause);
    this.#callback('onStoppedLeading', () => this.#options.onStoppedLeading());
  }

  /** client-go's release: an empty holder and a 1 s duration, over the version we wrote last. */
  async #release(): Promise<void> {
    const observed = this.#observed;
    if (observed?.record.holderIdentity !== this.#config.identity || this.#observedRaw === absent)
      return;
    const now = this.#clock.now();
    const controller = new AbortController();
    // Differs from client-go: Go's release has no deadline; here it is bounded by renewDeadlineMs.
    const timeout = this.#clock.setTimeout(
      () => controller.abort(new Error('release exceeded the renew deadline')),
      this.#config.renewDeadlineMs,
    );
    try {
      const written = await this.#config.lock.update(
        {
          holderIdentity: '',
          leaseDurationSeconds: 1,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaderTransitions: observed.record.leaderTransitions,
        },
        controller.signal,
      );
      this.#observe(written, true);
      this.#log('info', 'released lease');
    } catch (err) {
      if (isConflict(err)) this.#log('info', 'the lease changed hands before it was released');
      else this.#reporter.report('error', 'failed to release lease', this.#fields(), toError(err));
    } finally {
      timeout.cancel();
    }
  }

  #failed(err: unknown, msg: string, level: 'debug' | 'warn'): void {
    const e = toError(err);
    this.#lastError = e;
    this.#reporter.report(level, msg, this.#fields(), e);
  }

  #callback(name: string, fn: () => unknown): void {
    try {
      const result = fn();
      if (result instanceof Promise) {
        result.catch((err: unknown) =>
          this.#reporter.report('error', `${name} failed`, this.#fields(), toError(err)),
        );
      }
    } catch (err) {
      this.#reporter.report('error', `${name} failed`, this.#fields(), toError(err));
    }
  }

  #fields(): Record<string, unknown> {
    return {
      component: 'leaderelection',
      resource: this.#config.name,
      identity: this.#config.identity,
    };
  }

  #log(level: 'info' | 'warn', msg: string, extra: Record<string, unknown> = {}): void {
    this.#reporter.report(level, msg, { ...this.#fields(), ...extra });
  }
}

// Port of k8s.io/client-go/tools/leaderelection/leaderelection.go (client-go v1.36): the acquire
// loop with jittered retries, the renew loop bounded by the renew deadline, the optimistic fast
// path of the leader, expiry judged by the local time of the last observed change, release on
// cancel, and the health check behind HealthzAdaptor. Deliberate differences are marked
// "Differs from client-go" and listed in the README.
import {
  createRateLimitedLogger,
  defaultLogger,
  flushLogger,
  realClock,
  sleep,
  toError,
  type Clock,
  type Logger,
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
  LeaderWorkFailedError,
  LeadershipLostError,
  isAbortLike,
  isConflict,
  isNotFound,
  rejectionToError,
  type LeadershipLostReason,
} from './errors.js';
import {
  canonicalJson,
  microTime,
  recordToLeaseSpec,
  type LeaderElectionRecord,
} from './record.js';
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

/** A write this elector sent: the text of the record and whether it created the lease. */
interface SentWrite {
  readonly raw: string;
  readonly create: boolean;
}

/** The record text standing for "the lease does not exist". */
const absent = '\u0000absent';

/** How many of its own last writes an elector recognises (the last one may have an unknown outcome). */
const rememberedWrites = 4;

/** At most this many conflicts are retried by one release, within `renewDeadlineMs`. */
const releaseAttempts = 5;

/** Creates a {@link LeaderElector}. Throws `LeaderElectionConfigError` for invalid options. */
export function createLeaderElector(options: LeaderElectorOptions): LeaderElector {
  return new Elector(options);
}

/** A record the way a release writes it: no holder and a 1 s duration (client-go's too). */
function isReleased(snapshot: LockSnapshot): boolean {
  return (
    snapshot.invalid === undefined &&
    snapshot.record.holderIdentity === '' &&
    snapshot.record.leaseDurationSeconds === 1
  );
}

/** The implementation; exported for tests that plant bugs through {@link ElectorInternals}. */
export class Elector implements LeaderElector {
  readonly identity: string;
  readonly #config: ResolvedConfig;
  readonly #options: LeaderElectorOptions;
  readonly #clock: Clock;
  /** The `logger` option (or the default) behind core's repeat policy; flushed when `run` ends. */
  readonly #logger: Logger;
  readonly #reporter: Reporter;
  readonly #random: () => number;
  readonly #internals: ElectorInternals;
  #running = false;
  /** Aborted by the `run` signal or by a failure of leader work; what the run loop waits on. */
  #stop: AbortController | undefined;
  /** Set when leader work failed during the current (or last) `run`. */
  #failure: LeaderWorkFailedError | undefined;
  /** The last record read or written (kept when the lease is then seen missing). */
  #observed: LockSnapshot | undefined;
  /** The text of the last observation (`absent` for a missing lease) and the local time it changed. */
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
  /**
   * Our writes since the lease last showed a text that is not ours, newest last, whether or not
   * their answer arrived. A record with one of these texts was written by this elector.
   */
  #sent: SentWrite[] = [];
  /**
   * Set while this elector holds a lease it created outside a term: the local time the creation
   * was confirmed. It leads only once the lease stayed its own for a lease duration from then.
   */
  #claimSince: number | undefined;
  /** True while the outcome of our last write is unknown (sent, no answer that says). */
  #unknownOutcome = false;
  /** The observed text we last logged a wait for (one line per observed state). */
  #waitLoggedFor: string | undefined;

  constructor(options: LeaderElectorOptions, internals: ElectorInternals = {}) {
    this.#config = resolveConfig(options);
    this.#options = options;
    this.identity = this.#config.identity;
    this.#clock = options.clock ?? realClock;
    // One policy for every logger: a user's (pino) gets the default logger's repeat limiting,
    // stacks and flush (the default logger applies it itself and is returned as it is).
    this.#logger = createRateLimitedLogger(options.logger ?? defaultLogger, { clock: this.#clock });
    this.#reporter = createReporter(this.#logger);
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
    const since = this.#clock.now() - this.#lastRenewAt;
    const failure = this.#failure;
    if (failure !== undefined) {
      return new LeaderElectionHealthError(
        `leader election ${this.#config.name} ended because ${failure.message}`,
        since,
        { cause: failure },
      );
    }
    if (this.#term === undefined && this.#work === undefined) return undefined;
    if (since <= this.#config.leaseDurationMs + toleranceMs) return undefined;
    return new LeaderElectionHealthError(
      `failed election to renew leadership on lease ${this.#config.name}: acting as leader ${String(since)} ms after the last renewal (lease duration ${String(this.#config.leaseDurationMs)} ms + tolerance ${String(toleranceMs)} ms)`,
      since,
    );
  }

  async run(signal: AbortSignal): Promise<void> {
    if (this.#running) throw new Error(`leader election ${this.#config.name} is already running`);
    this.#running = true;
    this.#failure = undefined;
    const stopController = new AbortController();
    const onAbort = (): void => stopController.abort(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    this.#stop = stopController;
    const stop = stopController.signal;
    this.#log('info', 'attempting to acquire leader lease');
    try {
      while (!stop.aborted) {
        if (this.#work !== undefined && this.#term === undefined) {
          await this.#awaitWork(stop);
          if (stop.aborted) break;
        }
        await this.#tryOnce(stop);
        if (stop.aborted) break;
        // client-go: the leader renews every retryPeriod (wait.Until + PollImmediateUntil);
        // candidates retry with JitterUntil(retryPeriod, 1.2, sliding).
        const delay =
          this.#term !== undefined
            ? this.#config.retryPeriodMs
            : this.#config.retryPeriodMs * (1 + this.#random() * jitterFactor);
        await sleep(delay, { clock: this.#clock, signal: stop }).catch(() => undefined);
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.#endTerm('cancelled', undefined);
      await this.#awaitWork(undefined);
      // A leader whose work failed must not keep the lease, whatever releaseOnCancel says.
      if (this.#config.releaseOnCancel || this.#failure !== undefined) await this.#release();
      this.#stop = undefined;
      this.#running = false;
      // Print the repeat counts the logger still holds (the outage of the last window).
      flushLogger(this.#logger);
    }
    // Set by #workFailed while the loop ran (a read through a method: TS narrowed the field).
    const failure = this.#currentFailure();
    if (failure !== undefined) throw failure;
  }

  #currentFailure(): LeaderWorkFailedError | undefined {
    return this.#failure;
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
    // A term whose deadline passed is over even if its timer has not fired yet (a busy loop).
    const term = this.#term;
    if (
      term !== undefined &&
      start >= term.deadline &&
      this.#internals.ignoreRenewDeadline !== true
    )
      this.#endTerm('renew-deadline', this.#lastError);
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
      if (this.#term !== undefined) this.#extendTerm(this.#term, deadline);
      else if (!this.#claimPending()) {
        this.#claimSince = undefined;
        this.#startTerm(deadline);
      }
    } finally {
      timeout.cancel();
      runSignal.removeEventListener('abort', onRunAbort);
      if (this.#attempt === controller) this.#attempt = undefined;
    }
  }

  /** Notes a write about to be sent, so that a later read recognises it even if its answer is lost. */
  #send(record: LeaderElectionRecord, create = false): void {
    this.#remember(canonicalJson(recordToLeaseSpec(record)), create);
    this.#unknownOutcome = true;
  }

  /** The answer to our write came: `written` on success, else the error. */
  #answered(written: LockSnapshot | undefined, err?: unknown): void {
    if (written !== undefined) {
      this.#unknownOutcome = false;
      // The text as the server stored it, in case it differs from the one sent.
      if (!this.#isOwnWrite(written.raw)) this.#remember(written.raw, false);
    } else if (isConflict(err) || isNotFound(err)) {
      this.#unknownOutcome = false;
    }
  }

  #remember(raw: string, create: boolean): void {
    this.#sent.push({ raw, create });
    if (this.#sent.length > rememberedWrites) this.#sent.shift();
  }

  /** Is `raw` the text of a record this elector wrote (or tried to write)? */
  #isOwnWrite(raw: string): boolean {
    return this.#sent.some((w) => w.raw === raw);
  }

  /** Is `raw` the text of a create of ours (a claim whose answer may have been lost)? */
  #isOwnCreate(raw: string): boolean {
    return this.#sent.some((w) => w.create && w.raw === raw);
  }

  /** Is a claim of ours younger than a lease duration (someone may still lead a deleted lease)? */
  #claimPending(): boolean {
    return (
      this.#claimSince !== undefined &&
      this.#clock.now() < this.#claimSince + this.#config.leaseDurationMs
    );
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
      const record: LeaderElectionRecord = {
        ...desired,
        acquireTime: observed.record.acquireTime || desired.acquireTime,
        leaderTransitions: observed.record.leaderTransitions,
      };
      try {
        this.#send(record);
        const written = await lock.update(record, signal);
        this.#answered(written);
        this.#observe(written);
        return true;
      } catch (err) {
        this.#answered(undefined, err);
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
      const record = { ...desired, leaderTransitions: transitions };
      const claim = this.#term === undefined;
      try {
        this.#send(record, claim);
        const created = await lock.create(record, signal);
        this.#answered(created);
        this.#observe(created);
        if (claim) {
          this.#claimSince = this.#clock.now();
          this.#log('info', 'created the lease; leading once it stayed ours for a lease duration');
        }
        this.#reportTransition();
        return true;
      } catch (err) {
        this.#answered(undefined, err);
        if (signal.aborted) return false;
        if (isConflict(err)) this.#failed(err, 'another replica created the lease first', 'debug');
        else this.#failed(err, 'error initially creating leader election record', 'warn');
        return false;
      }
    }

    // 3. Record obtained: note a change (by its text, at the local time), then decide.
    this.#observe(current);
    this.#reportTransition();
    if (this.#isOwnWrite(current.raw)) {
      // A create of ours whose answer was lost is a claim from now on.
      if (
        this.#claimSince === undefined &&
        this.#term === undefined &&
        this.#isOwnCreate(current.raw)
      )
        this.#claimSince = this.#clock.now();
    } else {
      // Someone else wrote (or deleted and recreated) since our writes: they are history.
      this.#sent = [];
      this.#unknownOutcome = false;
      this.#claimSince = undefined;
    }
    if (current.invalid !== undefined) {
      this.#reporter.report(
        'warn',
        'the lease has an invalid record; treating it as held until it stays unchanged for a lease duration',
        this.#fields(),
        current.invalid,
      );
    }
    const holder = current.record.holderIdentity;
    const ours = holder === identity && current.invalid === undefined;
    if (this.#term !== undefined && !ours) {
      // Differs from client-go: Go keeps polling until the renew deadline although the lease
      // is visibly someone else's; here the term ends at once.
      this.#endTerm('lease-taken', undefined);
    }
    // Differs from client-go: Go takes a lease naming its identity at once, and one without a
    // holder at once; here only inside a term, for our own writes and for a real release.
    const free =
      (this.#term !== undefined && ours) || this.#isOwnWrite(current.raw) || isReleased(current);
    if (!free) {
      if (this.#clock.now() < this.#observedTime + this.#waitFor(current)) {
        if (ours) {
          this.#logWaitOnce(
            'the lease names this identity but this elector did not write it (a restart, or an edit by hand); waiting a lease duration before taking it',
          );
        }
        return false;
      }
      this.#log('info', 'the lease expired without a change; taking it over', { holder });
    }

    // 4. Write our record, conditional on the version just read.
    const record: LeaderElectionRecord =
      ours && (this.#term !== undefined || this.#isOwnWrite(current.raw))
        ? {
            ...desired,
            acquireTime: current.record.acquireTime || desired.acquireTime,
            leaderTransitions: current.record.leaderTransitions,
          }
        : { ...desired, leaderTransitions: current.record.leaderTransitions + 1 };
    try {
      this.#send(record);
      const written = await lock.update(record, signal);
      this.#answered(written);
      this.#observe(written);
      this.#reportTransition();
      return true;
    } catch (err) {
      this.#answered(undefined, err);
      if (signal.aborted) return false;
      if (isConflict(err)) this.#failed(err, 'lost the race to write the lease', 'debug');
      else this.#failed(err, 'failed to update lock', 'warn');
      return false;
    }
  }

  /**
   * May a missing lease be created now? By the leader at once (its term goes on: nobody else can
   * be in a term). By others once they saw it missing on an earlier attempt too (so that a leader
   * that is still connected recreates it first); their create is only a claim: they lead a lease
   * duration after it, since a leader of the deleted lease may still be inside its term.
   */
  #mayCreate(): boolean {
    this.#sent = [];
    this.#unknownOutcome = false;
    this.#claimSince = undefined;
    if (this.#observedRaw !== absent) {
      // The absence is a change, seen now (also by a fresh elector that saw nothing before).
      this.#observedRaw = absent;
      this.#observedTime = this.#clock.now();
    }
    if (this.#term !== undefined) return true;
    // Differs from client-go: Go creates a missing lease and leads at once, even while the last
    // holder may still lead (a lease deleted by hand). Waiting before creating cannot fix that
    // (the lease may have been created and deleted again between two reads); leading only a
    // lease duration after one's own create does.
    if (this.#clock.now() - this.#observedTime < this.#config.retryPeriodMs) {
      const previous = this.#observed;
      if (previous !== undefined && previous.record.holderIdentity !== '') {
        this.#logWaitOnce(
          'the lease was deleted; creating it again, to lead a lease duration later unless its holder recreates it first',
          'warn',
          { holder: previous.record.holderIdentity },
        );
      } else {
        this.#logWaitOnce('the lease does not exist; creating it, to lead a lease duration later');
      }
      return false;
    }
    return true;
  }

  /** How long a record must stay unchanged before it is taken: the longer of ours and its own duration. */
  #waitFor(snapshot: LockSnapshot): number {
    const seconds = snapshot.record.leaseDurationSeconds;
    // Differs from client-go: Go waits the record's duration only, so a duration shortened by hand
    // lets others in before the leader's renew deadline.
    return snapshot.invalid === undefined && seconds > 0
      ? Math.max(seconds * 1000, this.#config.leaseDurationMs)
      : this.#config.leaseDurationMs;
  }

  #logWaitOnce(
    msg: string,
    level: 'info' | 'warn' = 'info',
    extra: Record<string, unknown> = {},
  ): void {
    if (this.#waitLoggedFor === this.#observedRaw) return;
    this.#waitLoggedFor = this.#observedRaw;
    this.#log(level, msg, extra);
  }

  /** Notes a read or a write of the lock; its local time counts from the first sight of a text. */
  #observe(snapshot: LockSnapshot): void {
    if (snapshot.raw !== this.#observedRaw) {
      this.#observedRaw = snapshot.raw;
      this.#observedTime = this.#clock.now();
    }
    this.#observed = snapshot;
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
    let result: unknown;
    try {
      result = this.#options.onStartedLeading(term.controller.signal);
    } catch (err) {
      // Whatever was thrown is the cause, untouched (LeaderWorkFailedError describes it safely).
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      result = Promise.reject(err);
    }
    const work = Promise.resolve(result).then(
      () => this.#workReturned(term),
      (err: unknown) => this.#workFailed(term, err),
    );
    const tracked: Promise<void> = work.then(() => {
      if (this.#work === tracked) this.#work = undefined;
    });
    this.#work = tracked;
  }

  #workReturned(term: Term): void {
    if (this.#term !== term) return;
    this.#log(
      'info',
      'onStartedLeading returned; still leading until the lease is lost or run is aborted',
    );
  }

  /** Leader work rejected: inside its term that ends the term and the run (supervision). */
  #workFailed(term: Term, err: unknown): void {
    if (this.#term !== term) {
      if (isAbortLike(err, term.controller.signal)) return;
      this.#reporter.report(
        'error',
        'onStartedLeading failed after its term ended',
        this.#fields(),
        rejectionToError(err),
      );
      return;
    }
    const failure = new LeaderWorkFailedError(this.#config.name, this.identity, err);
    this.#failure = failure;
    this.#endTerm('work-failed', failure);
    this.#stop?.abort(failure);
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
    // The attempt in flight is abandoned: its outcome is unknown, which #sent remembers.
    this.#attempt?.abort(new Error('leadership ended'));
    const message =
      reason === 'renew-deadline'
        ? `failed to renew lease ${this.#config.name}: no renewal succeeded within ${String(this.#config.renewDeadlineMs)} ms`
        : reason === 'lease-taken'
          ? `lease ${this.#config.name} is held by ${this.getLeader() || 'nobody'}`
          : reason === 'work-failed'
            ? `onStartedLeading failed while leading ${this.#config.name}`
            : `leader election ${this.#config.name} was cancelled`;
    term.controller.abort(new LeadershipLostError(reason, message, cause ? { cause } : undefined));
    if (reason === 'cancelled') this.#log('info', 'stopped leading: cancelled');
    else if (reason === 'work-failed')
      this.#reporter.report(
        'error',
        'stopped leading: leader work failed',
        this.#fields(),
        rejectionToError(cause?.cause),
      );
    else this.#reporter.report('error', `stopped leading: ${message}`, this.#fields(), cause);
    this.#callback('onStoppedLeading', () => this.#options.onStoppedLeading());
  }

  /**
   * client-go's release: an empty holder and a 1 s duration over our own record. Differs from
   * client-go: on a conflict (our version is stale, e.g. a renewal cancelled after it reached the
   * server) it re-reads and releases the record if it is still one this elector wrote; it says
   * what it found otherwise. Bounded by `renewDeadlineMs` and {@link releaseAttempts} writes.
   */
  async #release(): Promise<void> {
    const observed = this.#observed;
    // The last record seen is one we wrote; or a write of ours may have landed unseen.
    const confirmed =
      observed !== undefined &&
      this.#observedRaw !== absent &&
      observed.record.holderIdentity === this.#config.identity &&
      this.#isOwnWrite(observed.raw);
    if (!confirmed && !this.#unknownOutcome) return;
    if (
      this.#claimPending() ||
      (this.#claimSince === undefined && this.#sent.some((w) => w.create) && !confirmed)
    ) {
      // A lease created less than a lease duration ago may stand in for a deleted one whose
      // holder still leads: released, it would be taken at once.
      this.#log('info', 'not releasing a lease created less than a lease duration ago');
      return;
    }
    const { lock } = this.#config;
    const controller = new AbortController();
    // Differs from client-go: Go's release has no deadline; here it is bounded by renewDeadlineMs.
    const timeout = this.#clock.setTimeout(
      () => controller.abort(new Error('release exceeded the renew deadline')),
      this.#config.renewDeadlineMs,
    );
    const signal = controller.signal;
    // Without a confirmed record of ours, or after a conflict, read first.
    let known: LockSnapshot | undefined = confirmed ? observed : undefined;
    try {
      for (let i = 0; i < releaseAttempts; i++) {
        if (known === undefined) {
          const current = await lock.get(signal);
          if (current === undefined) {
            this.#observedRaw = absent;
            this.#log('info', 'the lease was deleted; nothing to release');
            return;
          }
          this.#observe(current);
          const holder = current.record.holderIdentity;
          if (holder !== this.#config.identity || current.invalid !== undefined) {
            if (holder === '') this.#log('info', 'the lease was already released');
            else
              this.#log('info', `the lease is now held by ${holder}; nothing to release`, {
                holder,
              });
            return;
          }
          if (!this.#isOwnWrite(current.raw)) {
            this.#log(
              'warn',
              'the lease names this identity but was changed since this elector wrote it; not releasing it',
            );
            return;
          }
          known = current;
        }
        const now = this.#clock.now();
        const released: LeaderElectionRecord = {
          holderIdentity: '',
          leaseDurationSeconds: 1,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaderTransitions: known.record.leaderTransitions,
        };
        try {
          const written = await lock.update(released, signal);
          this.#unknownOutcome = false;
          this.#observe(written);
          this.#log('info', 'released lease');
          return;
        } catch (err) {
          if (isNotFound(err)) {
            this.#observedRaw = absent;
            this.#log('info', 'the lease was deleted; nothing to release');
            return;
          }
          if (!isConflict(err)) throw err;
          this.#failed(err, 'the lease changed before it was released; reading it again', 'debug');
          known = undefined;
        }
      }
      this.#reporter.report(
        'error',
        'failed to release lease',
        this.#fields(),
        new Error(`${String(releaseAttempts)} conflicts in a row`),
      );
    } catch (err) {
      this.#reporter.report('error', 'failed to release lease', this.#fields(), toError(err));
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
    const report = (err: unknown): void =>
      this.#reporter.report('error', `${name} failed`, this.#fields(), rejectionToError(err));
    try {
      const result = fn();
      if (result instanceof Promise) result.catch(report);
    } catch (err) {
      report(err);
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

// The state a LeaderElector keeps between attempts — what it last observed of the lock and
// when, which writes are its own, its claim on a lease it created, the open term — and the
// logging every part of the elector shares. The parts that act on it live beside it: the attempt
// (try-acquire-or-renew.ts), the term (term.ts) and the release (release.ts); leader-elector.ts
// runs them.
import {
  createRateLimitedLogger,
  defaultLogger,
  realClock,
  toError,
  type Clock,
  type Logger,
  type TimerHandle,
} from '@kubecache/core';
import { resolveConfig, type LeaderElectorOptions, type ResolvedConfig } from './config.js';
import { rejectionToError, type LeaderWorkFailedError } from './errors.js';
import { OwnWrites } from './own-writes.js';
import { createReporter, type Reporter } from './reporter.js';
import type { LockSnapshot } from './resource-lock.js';

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

/**
 * An open term of leadership: `controller` aborts its `onStartedLeading` signal; it ends at
 * `deadline` (local time, ms) unless a renewal extends it, which `timer` enforces.
 */
export interface Term {
  readonly controller: AbortController;
  deadline: number;
  timer: TimerHandle | undefined;
}

/** The record text standing for "the lease does not exist". */
export const absent = '\u0000absent';

/**
 * The mutable state of one elector and the helpers that read it. Internal: `Elector` owns one,
 * and hands it to the attempt, term and release functions.
 */
export class ElectorState {
  readonly config: ResolvedConfig;
  readonly options: LeaderElectorOptions;
  readonly clock: Clock;
  /** The `logger` option (or the default) behind core's repeat policy; flushed when `run` ends. */
  readonly logger: Logger;
  readonly reporter: Reporter;
  readonly random: () => number;
  readonly internals: ElectorInternals;
  /** Aborted by the `run` signal or by a failure of leader work; what the run loop waits on. */
  stop: AbortController | undefined;
  /** Set when leader work failed during the current (or last) `run`. */
  failure: LeaderWorkFailedError | undefined;
  /** The last record read or written (kept when the lease is then seen missing). */
  observed: LockSnapshot | undefined;
  /** The text of the last observation (`absent` for a missing lease) and the local time it changed. */
  observedRaw: string | undefined;
  observedTime = 0;
  reportedLeader = '';
  term: Term | undefined;
  /** Local time of the last successful write of our record. */
  lastRenewAt = 0;
  /** The `onStartedLeading` of the current or last term, until it settles. */
  work: Promise<void> | undefined;
  /** The attempt in flight, aborted when a term ends. */
  attempt: AbortController | undefined;
  lastError: Error | undefined;
  /**
   * Our writes since the lease last showed a text that is not ours. A record with one of these
   * texts was written by this elector.
   */
  readonly writes = new OwnWrites();
  /**
   * Set while this elector holds a lease it created outside a term: the local time the creation
   * was confirmed. It leads only once the lease stayed its own for a lease duration from then.
   */
  claimSince: number | undefined;
  /** The observed text we last logged a wait for (one line per observed state). */
  waitLoggedFor: string | undefined;

  /**
   * Resolves `options` (throws `LeaderElectionConfigError` for invalid ones) and sets up the
   * logging: a user's logger (pino) gets the default logger's repeat limiting, stacks and flush.
   */
  constructor(options: LeaderElectorOptions, internals: ElectorInternals) {
    this.config = resolveConfig(options);
    this.options = options;
    this.clock = options.clock ?? realClock;
    // One policy for every logger: a user's (pino) gets the default logger's repeat limiting,
    // stacks and flush (the default logger applies it itself and is returned as it is).
    this.logger = createRateLimitedLogger(options.logger ?? defaultLogger, { clock: this.clock });
    this.reporter = createReporter(this.logger);
    this.random = options.random ?? Math.random;
    this.internals = internals;
  }

  /** The holder of the last observed record, `''` if none. */
  getLeader(): string {
    return this.observed?.record.holderIdentity ?? '';
  }

  /** Notes a read or a write of the lock; its local time counts from the first sight of a text. */
  observe(snapshot: LockSnapshot): void {
    if (snapshot.raw !== this.observedRaw) {
      this.observedRaw = snapshot.raw;
      this.observedTime = this.clock.now();
    }
    this.observed = snapshot;
  }

  /** Is a claim of ours younger than a lease duration (someone may still lead a deleted lease)? */
  claimPending(): boolean {
    return (
      this.claimSince !== undefined &&
      this.clock.now() < this.claimSince + this.config.leaseDurationMs
    );
  }

  /** Logs the new holder once per holder, and calls `onNewLeader`. */
  reportTransition(): void {
    const holder = this.observed?.record.holderIdentity ?? '';
    // Differs from client-go: a released lease (empty holder) is not reported as a new leader.
    if (holder === '' || holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    this.log('info', 'new leader elected', { leader: holder });
    this.callback('onNewLeader', () => this.options.onNewLeader?.(holder));
  }

  /** Logs `msg` once per observed text (a wait that lasts is logged once). */
  logWaitOnce(
    msg: string,
    level: 'info' | 'warn' = 'info',
    extra: Record<string, unknown> = {},
  ): void {
    if (this.waitLoggedFor === this.observedRaw) return;
    this.waitLoggedFor = this.observedRaw;
    this.log(level, msg, extra);
  }

  /** Notes `err` as the last error (the cause of a lost term) and logs it at `level`. */
  failed(err: unknown, msg: string, level: 'debug' | 'warn'): void {
    const e = toError(err);
    this.lastError = e;
    this.reporter.report(level, msg, this.fields(), e);
  }

  /** Calls a user callback; what it throws or rejects with is logged, never thrown. */
  callback(name: string, fn: () => unknown): void {
    const report = (err: unknown): void =>
      this.reporter.report('error', `${name} failed`, this.fields(), rejectionToError(err));
    try {
      const result = fn();
      if (result instanceof Promise) result.catch(report);
    } catch (err) {
      report(err);
    }
  }

  /** The fields of every line: component, resource (the election's name), identity. */
  fields(): Record<string, unknown> {
    return {
      component: 'leaderelection',
      resource: this.config.name,
      identity: this.config.identity,
    };
  }

  /** Logs `msg` at `level` with {@link fields} and `extra`. */
  log(level: 'info' | 'warn', msg: string, extra: Record<string, unknown> = {}): void {
    this.reporter.report(level, msg, { ...this.fields(), ...extra });
  }
}

// A term of leadership: client-go's OnStartedLeading / OnStoppedLeading around the renew loop
// (k8s.io/client-go/tools/leaderelection/leaderelection.go: Run, renew). A term opens with
// `onStartedLeading(signal)` after a write of our record, is extended by each renewal, and ends —
// the signal aborts with a LeadershipLostError, then `onStoppedLeading()` — at the renew
// deadline, when a read shows another holder, when leader work fails, or on cancel. Leader work
// that fails inside its term ends the term and the run (supervision; not in client-go).
import {
  LeaderWorkFailedError,
  LeadershipLostError,
  isAbortLike,
  rejectionToError,
  type LeadershipLostReason,
} from './errors.js';
import type { ElectorState, Term } from './elector-state.js';

/**
 * Opens a term ending at `deadline` (local time, ms) and calls `onStartedLeading` with its
 * signal; what it returns is tracked in `s.work` until it settles. A throw or rejection inside
 * the term ends the term and the run with a {@link LeaderWorkFailedError}.
 */
export function startTerm(s: ElectorState, deadline: number): void {
  const term: Term = { controller: new AbortController(), deadline, timer: undefined };
  s.term = term;
  extendTerm(s, term, deadline);
  s.log('info', 'successfully acquired lease');
  let result: unknown;
  try {
    result = s.options.onStartedLeading(term.controller.signal);
  } catch (err) {
    // Whatever was thrown is the cause, untouched (LeaderWorkFailedError describes it safely).
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    result = Promise.reject(err);
  }
  const work = Promise.resolve(result).then(
    () => workReturned(s, term),
    (err: unknown) => workFailed(s, term, err),
  );
  const tracked: Promise<void> = work.then(() => {
    if (s.work === tracked) s.work = undefined;
  });
  s.work = tracked;
}

function workReturned(s: ElectorState, term: Term): void {
  if (s.term !== term) return;
  s.log(
    'info',
    'onStartedLeading returned; still leading until the lease is lost or run is aborted',
  );
}

/** Leader work rejected: inside its term that ends the term and the run (supervision). */
function workFailed(s: ElectorState, term: Term, err: unknown): void {
  if (s.term !== term) {
    if (isAbortLike(err, term.controller.signal)) return;
    s.reporter.report(
      'error',
      'onStartedLeading failed after its term ended',
      s.fields(),
      rejectionToError(err),
    );
    return;
  }
  const failure = new LeaderWorkFailedError(s.config.name, s.config.identity, err);
  s.failure = failure;
  endTerm(s, 'work-failed', failure);
  s.stop?.abort(failure);
}

/** Moves the end of `term` to `deadline` (local time, ms) and re-arms its timer. */
export function extendTerm(s: ElectorState, term: Term, deadline: number): void {
  term.deadline = deadline;
  term.timer?.cancel();
  if (s.internals.ignoreRenewDeadline === true) return;
  term.timer = s.clock.setTimeout(
    () => {
      if (s.term === term) endTerm(s, 'renew-deadline', s.lastError);
    },
    Math.max(0, deadline - s.clock.now()),
  );
}

/**
 * Ends the open term, if any, for `reason`: abandons the attempt in flight, aborts the term's
 * signal with a {@link LeadershipLostError} (`cause`: the last error), logs it and calls
 * `onStoppedLeading`.
 */
export function endTerm(
  s: ElectorState,
  reason: LeadershipLostReason,
  cause: Error | undefined,
): void {
  const term = s.term;
  if (term === undefined) return;
  s.term = undefined;
  term.timer?.cancel();
  // The attempt in flight is abandoned: its outcome is unknown, which the own writes remember.
  s.attempt?.abort(new Error('leadership ended'));
  const message =
    reason === 'renew-deadline'
      ? `failed to renew lease ${s.config.name}: no renewal succeeded within ${String(s.config.renewDeadlineMs)} ms`
      : reason === 'lease-taken'
        ? `lease ${s.config.name} is held by ${s.getLeader() || 'nobody'}`
        : reason === 'work-failed'
          ? `onStartedLeading failed while leading ${s.config.name}`
          : `leader election ${s.config.name} was cancelled`;
  term.controller.abort(new LeadershipLostError(reason, message, cause ? { cause } : undefined));
  if (reason === 'cancelled') s.log('info', 'stopped leading: cancelled');
  else if (reason === 'work-failed')
    s.reporter.report(
      'error',
      'stopped leading: leader work failed',
      s.fields(),
      rejectionToError(cause?.cause),
    );
  else s.reporter.report('error', `stopped leading: ${message}`, s.fields(), cause);
  s.callback('onStoppedLeading', () => s.options.onStoppedLeading());
}

/**
 * Waits for the last term's `onStartedLeading` to return (or for `signal` to abort), warning
 * once a retry period has passed.
 */
export async function awaitWork(s: ElectorState, signal: AbortSignal | undefined): Promise<void> {
  const work = s.work;
  if (work === undefined) return;
  const warn = s.clock.setTimeout(() => {
    s.log('warn', 'waiting for onStartedLeading to return after leadership ended');
  }, s.config.retryPeriodMs);
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

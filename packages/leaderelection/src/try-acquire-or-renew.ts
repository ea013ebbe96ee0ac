// One attempt to acquire or renew the lock: client-go's tryAcquireOrRenew
// (k8s.io/client-go/tools/leaderelection/leaderelection.go) — the leader's optimistic renewal
// without a read, then read, decide and write conditionally on the version read. Expiry is judged
// by the local time of the last observed change of the record's text, never by times in the
// record. What differs from client-go (who may take a lease at once, creating a missing one, the
// wait before a takeover) is marked "Differs from client-go" and listed in the README.
import { isConflict } from './errors.js';
import { absent, type ElectorState } from './elector-state.js';
import { microTime, type LeaderElectionRecord } from './record.js';
import type { LockSnapshot } from './resource-lock.js';
import { endTerm } from './term.js';

/** A record the way a release writes it: no holder and a 1 s duration (client-go's too). */
function isReleased(snapshot: LockSnapshot): boolean {
  return (
    snapshot.invalid === undefined &&
    snapshot.record.holderIdentity === '' &&
    snapshot.record.leaseDurationSeconds === 1
  );
}

/**
 * client-go's tryAcquireOrRenew, started at local time `start` (ms), its requests aborted by
 * `signal`. Resolves true when our record was written (the caller opens or extends the term).
 * Never rejects: failures are noted in `s.lastError` and logged.
 */
export async function tryAcquireOrRenew(
  s: ElectorState,
  start: number,
  signal: AbortSignal,
): Promise<boolean> {
  const { lock, identity } = s.config;
  const desired: LeaderElectionRecord = {
    holderIdentity: identity,
    leaseDurationSeconds: s.config.leaseDurationMs / 1000,
    acquireTime: microTime(start),
    renewTime: microTime(start),
    leaderTransitions: 0,
  };

  // 1. The leader's fast path: write over the version it wrote last, without reading first.
  const observed = s.observed;
  if (
    s.term !== undefined &&
    observed !== undefined &&
    observed.record.holderIdentity === identity &&
    s.observedRaw !== absent
  ) {
    const record: LeaderElectionRecord = {
      ...desired,
      acquireTime: observed.record.acquireTime || desired.acquireTime,
      leaderTransitions: observed.record.leaderTransitions,
    };
    try {
      s.writes.send(record);
      const written = await lock.update(record, signal);
      s.writes.answered(written);
      s.observe(written);
      return true;
    } catch (err) {
      s.writes.answered(undefined, err);
      if (signal.aborted) return false;
      s.failed(err, 'failed to renew lease optimistically; reading it', 'debug');
    }
  }

  // 2. Read the record (or find it missing).
  let current: LockSnapshot | undefined;
  try {
    current = await lock.get(signal);
  } catch (err) {
    if (!signal.aborted) s.failed(err, 'error retrieving resource lock', 'warn');
    return false;
  }

  if (current === undefined) {
    if (!mayCreate(s)) return false;
    const previous = s.observed?.record;
    const transitions =
      previous === undefined
        ? 0
        : previous.leaderTransitions +
          (previous.holderIdentity !== '' && previous.holderIdentity !== identity ? 1 : 0);
    const record = { ...desired, leaderTransitions: transitions };
    const claim = s.term === undefined;
    try {
      s.writes.send(record, claim);
      const created = await lock.create(record, signal);
      s.writes.answered(created);
      s.observe(created);
      if (claim) {
        s.claimSince = s.clock.now();
        s.log('info', 'created the lease; leading once it stayed ours for a lease duration');
      }
      s.reportTransition();
      return true;
    } catch (err) {
      s.writes.answered(undefined, err);
      if (signal.aborted) return false;
      if (isConflict(err)) s.failed(err, 'another replica created the lease first', 'debug');
      else s.failed(err, 'error initially creating leader election record', 'warn');
      return false;
    }
  }

  // 3. Record obtained: note a change (by its text, at the local time), then decide.
  s.observe(current);
  s.reportTransition();
  if (s.writes.isOwn(current.raw)) {
    // A create of ours whose answer was lost is a claim from now on.
    if (s.claimSince === undefined && s.term === undefined && s.writes.isOwnCreate(current.raw))
      s.claimSince = s.clock.now();
  } else {
    // Someone else wrote (or deleted and recreated) since our writes: they are history.
    s.writes.forget();
    s.claimSince = undefined;
  }
  if (current.invalid !== undefined) {
    s.reporter.report(
      'warn',
      'the lease has an invalid record; treating it as held until it stays unchanged for a lease duration',
      s.fields(),
      current.invalid,
    );
  }
  const holder = current.record.holderIdentity;
  const ours = holder === identity && current.invalid === undefined;
  if (s.term !== undefined && !ours) {
    // Differs from client-go: Go keeps polling until the renew deadline although the lease
    // is visibly someone else's; here the term ends at once.
    endTerm(s, 'lease-taken', undefined);
  }
  // Differs from client-go: Go takes a lease naming its identity at once, and one without a
  // holder at once; here only inside a term, for our own writes and for a real release.
  const free = (s.term !== undefined && ours) || s.writes.isOwn(current.raw) || isReleased(current);
  if (!free) {
    if (s.clock.now() < s.observedTime + waitFor(s, current)) {
      if (ours) {
        s.logWaitOnce(
          'the lease names this identity but this elector did not write it (a restart, or an edit by hand); waiting a lease duration before taking it',
        );
      }
      return false;
    }
    s.log('info', 'the lease expired without a change; taking it over', { holder });
  }

  // 4. Write our record, conditional on the version just read.
  const record: LeaderElectionRecord =
    ours && (s.term !== undefined || s.writes.isOwn(current.raw))
      ? {
          ...desired,
          acquireTime: current.record.acquireTime || desired.acquireTime,
          leaderTransitions: current.record.leaderTransitions,
        }
      : { ...desired, leaderTransitions: current.record.leaderTransitions + 1 };
  try {
    s.writes.send(record);
    const written = await lock.update(record, signal);
    s.writes.answered(written);
    s.observe(written);
    s.reportTransition();
    return true;
  } catch (err) {
    s.writes.answered(undefined, err);
    if (signal.aborted) return false;
    if (isConflict(err)) s.failed(err, 'lost the race to write the lease', 'debug');
    else s.failed(err, 'failed to update lock', 'warn');
    return false;
  }
}

/**
 * May a missing lease be created now? By the leader at once (its term goes on: nobody else can
 * be in a term). By others once they saw it missing on an earlier attempt too (so that a leader
 * that is still connected recreates it first); their create is only a claim: they lead a lease
 * duration after it, since a leader of the deleted lease may still be inside its term.
 */
function mayCreate(s: ElectorState): boolean {
  s.writes.forget();
  s.claimSince = undefined;
  if (s.observedRaw !== absent) {
    // The absence is a change, seen now (also by a fresh elector that saw nothing before).
    s.observedRaw = absent;
    s.observedTime = s.clock.now();
  }
  if (s.term !== undefined) return true;
  // Differs from client-go: Go creates a missing lease and leads at once, even while the last
  // holder may still lead (a lease deleted by hand). Waiting before creating cannot fix that
  // (the lease may have been created and deleted again between two reads); leading only a
  // lease duration after one's own create does.
  if (s.clock.now() - s.observedTime < s.config.retryPeriodMs) {
    const previous = s.observed;
    if (previous !== undefined && previous.record.holderIdentity !== '') {
      s.logWaitOnce(
        'the lease was deleted; creating it again, to lead a lease duration later unless its holder recreates it first',
        'warn',
        { holder: previous.record.holderIdentity },
      );
    } else {
      s.logWaitOnce('the lease does not exist; creating it, to lead a lease duration later');
    }
    return false;
  }
  return true;
}

/** How long a record must stay unchanged before it is taken: the longer of ours and its own duration. */
function waitFor(s: ElectorState, snapshot: LockSnapshot): number {
  const seconds = snapshot.record.leaseDurationSeconds;
  // Differs from client-go: Go waits the record's duration only, so a duration shortened by hand
  // lets others in before the leader's renew deadline.
  return snapshot.invalid === undefined && seconds > 0
    ? Math.max(seconds * 1000, s.config.leaseDurationMs)
    : s.config.leaseDurationMs;
}

// Giving the lease up: client-go's release (k8s.io/client-go/tools/leaderelection/
// leaderelection.go) writes our record back with an empty holder and a 1 s duration so that
// another replica takes over at once. Differs from client-go: it is bounded by the renew
// deadline, releases only a record this elector wrote, and re-reads after a conflict.
import { toError } from '@kubecache/core';
import { isConflict, isNotFound } from './errors.js';
import { absent, type ElectorState } from './elector-state.js';
import { microTime, type LeaderElectionRecord } from './record.js';
import type { LockSnapshot } from './resource-lock.js';

/** At most this many conflicts are retried by one release, within `renewDeadlineMs`. */
const releaseAttempts = 5;

/**
 * client-go's release: an empty holder and a 1 s duration over our own record. Differs from
 * client-go: on a conflict (our version is stale, e.g. a renewal cancelled after it reached the
 * server) it re-reads and releases the record if it is still one this elector wrote; it says
 * what it found otherwise. Bounded by `renewDeadlineMs` and 5 writes. Does nothing when no record
 * of ours was written (or may have landed unseen), or when our claim on a lease we created is
 * younger than a lease duration. Never rejects: failures are logged at error level.
 */
export async function release(s: ElectorState): Promise<void> {
  const observed = s.observed;
  // The last record seen is one we wrote; or a write of ours may have landed unseen.
  const confirmed =
    observed !== undefined &&
    s.observedRaw !== absent &&
    observed.record.holderIdentity === s.config.identity &&
    s.writes.isOwn(observed.raw);
  if (!confirmed && !s.writes.unknownOutcome) return;
  if (s.claimPending() || (s.claimSince === undefined && s.writes.hasCreate() && !confirmed)) {
    // A lease created less than a lease duration ago may stand in for a deleted one whose
    // holder still leads: released, it would be taken at once.
    s.log('info', 'not releasing a lease created less than a lease duration ago');
    return;
  }
  const { lock } = s.config;
  const controller = new AbortController();
  // Differs from client-go: Go's release has no deadline; here it is bounded by renewDeadlineMs.
  const timeout = s.clock.setTimeout(
    () => controller.abort(new Error('release exceeded the renew deadline')),
    s.config.renewDeadlineMs,
  );
  const signal = controller.signal;
  // Without a confirmed record of ours, or after a conflict, read first.
  let known: LockSnapshot | undefined = confirmed ? observed : undefined;
  try {
    for (let i = 0; i < releaseAttempts; i++) {
      if (known === undefined) {
        const current = await lock.get(signal);
        if (current === undefined) {
          s.observedRaw = absent;
          s.log('info', 'the lease was deleted; nothing to release');
          return;
        }
        s.observe(current);
        const holder = current.record.holderIdentity;
        if (holder !== s.config.identity || current.invalid !== undefined) {
          if (holder === '') s.log('info', 'the lease was already released');
          else
            s.log('info', `the lease is now held by ${holder}; nothing to release`, {
              holder,
            });
          return;
        }
        if (!s.writes.isOwn(current.raw)) {
          s.log(
            'warn',
            'the lease names this identity but was changed since this elector wrote it; not releasing it',
          );
          return;
        }
        known = current;
      }
      const now = s.clock.now();
      const released: LeaderElectionRecord = {
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: microTime(now),
        renewTime: microTime(now),
        leaderTransitions: known.record.leaderTransitions,
      };
      try {
        const written = await lock.update(released, signal);
        s.writes.unknownOutcome = false;
        s.observe(written);
        s.log('info', 'released lease');
        return;
      } catch (err) {
        if (isNotFound(err)) {
          s.observedRaw = absent;
          s.log('info', 'the lease was deleted; nothing to release');
          return;
        }
        if (!isConflict(err)) throw err;
        s.failed(err, 'the lease changed before it was released; reading it again', 'debug');
        known = undefined;
      }
    }
    s.reporter.report(
      'error',
      'failed to release lease',
      s.fields(),
      new Error(`${String(releaseAttempts)} conflicts in a row`),
    );
  } catch (err) {
    s.reporter.report('error', 'failed to release lease', s.fields(), toError(err));
  } finally {
    timeout.cancel();
  }
}

// The lock contract of k8s.io/client-go/tools/leaderelection/resourcelock/interface.go
// (resourcelock.Interface), with AbortSignals instead of contexts and `undefined` for NotFound.
import type { InvalidLeaseError } from './errors.js';
import type { LeaderElectionRecord } from './record.js';

/** One read (or write) of the lock. */
export interface LockSnapshot {
  /** The record as read (invalid fields replaced by their unset value, see `invalid`). */
  readonly record: LeaderElectionRecord;
  /**
   * A canonical text of the stored record. The elector compares it with the previous read to
   * decide whether the record changed; two reads of an unchanged object give the same text.
   */
  readonly raw: string;
  /** Set when the stored record failed validation: the elector reports it and treats the lease as held. */
  readonly invalid?: InvalidLeaseError;
}

/**
 * Where the election record lives: a coordination.k8s.io/v1 Lease for {@link createLeaseLock},
 * a simulated store for {@link createMemoryLock}, or your own implementation.
 *
 * Contract:
 * - `get` resolves `undefined` when the object does not exist, a {@link LockSnapshot} otherwise,
 *   and rejects for any other failure (network, 5xx, 403, …).
 * - The lock remembers the version (e.g. `metadata.resourceVersion`) of the object returned by
 *   its last successful `get`, `create` or `update`. `update` writes with that version as an
 *   optimistic-concurrency precondition: if anyone wrote in between, it rejects with an error for
 *   which {@link isConflict} is true (an `ApiStatusError` with code 409) and changes nothing.
 *   `update` before any successful read rejects.
 * - `create` rejects with a 409 error (`AlreadyExists`) when the object exists.
 * - Every method rejects with `AbortedError` soon after `signal` aborts. An aborted write may or
 *   may not have reached the store; the elector assumes either.
 * - Methods are never called concurrently by one elector.
 */
export interface ResourceLock {
  /** The identity this lock writes as holder (unique per replica). */
  readonly identity: string;
  /** A short description for logs, e.g. `kube-system/my-controller`. */
  describe(): string;
  /** Reads the record; `undefined` when the lock object does not exist. */
  get(signal: AbortSignal): Promise<LockSnapshot | undefined>;
  /** Creates the lock object holding `record`. */
  create(record: LeaderElectionRecord, signal: AbortSignal): Promise<LockSnapshot>;
  /** Replaces the record, conditional on the version last read or written. */
  update(record: LeaderElectionRecord, signal: AbortSignal): Promise<LockSnapshot>;
}

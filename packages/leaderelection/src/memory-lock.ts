// An in-memory ResourceLock over a simulated store, for fast deterministic tests of code that uses
// leader election (client-go tests use a fake clientset for the same purpose). It keeps the
// semantics that matter: versions, 409 on a stale precondition, 404, AlreadyExists.
import { throwIfAborted, toError } from '@kubecache/core';
import { ApiStatusError } from '@kubecache/listwatch';
import { recordToLeaseSpec, snapshotFromSpec, type LeaderElectionRecord } from './record.js';
import type { LockSnapshot, ResourceLock } from './resource-lock.js';

/** The stored object of a {@link MemoryLeaseStore}. */
export interface StoredLease {
  /** The Lease `spec` as stored (anything: tests may store garbage). */
  readonly spec: unknown;
  /** Version, bumped on every write (the `resourceVersion`). */
  readonly version: number;
}

/**
 * One simulated Lease shared by any number of {@link createMemoryLock} replicas. Its methods act
 * at once (they are the "server side"); tests use `set` and `delete` to meddle by hand.
 */
export interface MemoryLeaseStore {
  /** The stored lease, or `undefined` when it does not exist. */
  readonly current: StoredLease | undefined;
  /** Writes `spec` unconditionally (creating the lease if needed); returns the stored lease. */
  set(spec: unknown): StoredLease;
  /** Deletes the lease. */
  delete(): void;
  /** Number of successful writes so far (creates and updates, by locks or by hand). */
  readonly writes: number;
}

/** Creates an empty {@link MemoryLeaseStore}. */
export function createMemoryLeaseStore(): MemoryLeaseStore {
  let current: StoredLease | undefined;
  let version = 0;
  let writes = 0;
  return {
    get current() {
      return current;
    },
    get writes() {
      return writes;
    },
    set(spec) {
      writes++;
      current = { spec: structuredClone(spec), version: ++version };
      return current;
    },
    delete() {
      current = undefined;
    },
  };
}

/** The kind of a lock operation, as seen by a {@link MemoryTransport}. */
export type MemoryLockOperation = 'get' | 'create' | 'update';

/**
 * Carries one lock operation to the store: calls `apply` (the server-side effect, which may throw
 * a 404/409 `ApiStatusError`) at some point and settles with its outcome, or rejects (a network
 * failure, an abort). A simulated network delays, fails or stalls calls here. The default applies
 * at once.
 */
export type MemoryTransport = <T>(
  op: MemoryLockOperation,
  apply: () => T,
  signal: AbortSignal,
) => Promise<T>;

/** Options of {@link createMemoryLock}. */
export interface MemoryLockOptions {
  /** The shared store. */
  store: MemoryLeaseStore;
  /** This replica's identity. */
  identity: string;
  /** Name used by `describe()`. Default: `memory/lease`. */
  name?: string;
  /** How operations reach the store. Default: immediately. */
  transport?: MemoryTransport;
}

const immediate: MemoryTransport = (_op, apply, signal) => {
  try {
    throwIfAborted(signal);
    return Promise.resolve(apply());
  } catch (err) {
    return Promise.reject(toError(err));
  }
};

function status(code: number, reason: string, message: string): ApiStatusError {
  return new ApiStatusError({ kind: 'Status', status: 'Failure', code, reason, message });
}

/** Creates a {@link ResourceLock} on `options.store` for one replica. */
export function createMemoryLock(options: MemoryLockOptions): ResourceLock {
  const { store, identity } = options;
  const description = options.name ?? 'memory/lease';
  const transport = options.transport ?? immediate;
  let knownVersion: number | undefined;
  const snapshot = (stored: StoredLease): LockSnapshot => {
    knownVersion = stored.version;
    return snapshotFromSpec(description, stored.spec);
  };
  return {
    identity,
    describe: () => description,
    async get(signal) {
      const stored = await transport('get', () => store.current, signal);
      return stored === undefined ? undefined : snapshot(stored);
    },
    async create(record: LeaderElectionRecord, signal) {
      const stored = await transport(
        'create',
        () => {
          if (store.current !== undefined) {
            throw status(409, 'AlreadyExists', `lease ${description} already exists`);
          }
          return store.set(recordToLeaseSpec(record));
        },
        signal,
      );
      return snapshot(stored);
    },
    async update(record: LeaderElectionRecord, signal) {
      const expected = knownVersion;
      if (expected === undefined) {
        throw new Error(`lease ${description} was not read yet: call get or create first`);
      }
      const stored = await transport(
        'update',
        () => {
          const cur = store.current;
          if (cur === undefined) throw status(404, 'NotFound', `lease ${description} not found`);
          if (cur.version !== expected) {
            throw status(
              409,
              'Conflict',
              `Operation cannot be fulfilled on leases "${description}": the object has been modified`,
            );
          }
          return store.set(recordToLeaseSpec(record));
        },
        signal,
      );
      return snapshot(stored);
    },
  };
}

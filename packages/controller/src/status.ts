// A status writer for the `/status` subresource: computes the new status from the latest object,
// skips the write when nothing changed, and retries conflicts with client-go's DefaultRetry
// (the pattern of sample-controller's updateFooStatus wrapped in retry.RetryOnConflict).
import type { KubeObject } from '@kubecache/core';
import { retryOnConflict, type RetryOptions } from './retry.js';

/** An object with a `status`. */
export type WithStatus<S> = KubeObject & { status?: S };

/** Options of {@link updateStatus}. */
export interface UpdateStatusOptions<T extends WithStatus<S>, S> extends RetryOptions {
  /** The desired status, computed from the latest object (called once per attempt). */
  status: (latest: T) => S;
  /**
   * Writes `object` (with its `metadata.resourceVersion`, the precondition) to the `/status`
   * subresource with your client-node API client — `replaceNamespacedCustomObjectStatus`,
   * `replaceNamespacedDeploymentStatus`, … — and resolves with the stored object.
   */
  write: (object: T) => Promise<T>;
  /** Reads the object from the server, after a conflict. */
  read: () => Promise<T>;
}

/** What {@link updateStatus} did. */
export interface UpdateStatusResult<T> {
  /** The stored object: the server's answer, or the object read last when nothing was written. */
  readonly object: T;
  /** Whether a write happened (false when the status already matched). */
  readonly written: boolean;
  /** Attempts made (1 = no conflict). */
  readonly attempts: number;
}

/**
 * Sets the status of `object` to `options.status(latest)` through the `/status` subresource.
 * The first attempt uses `object` (typically the cached copy); after a 409 Conflict the object is
 * read again and the status recomputed, up to the backoff's steps ({@link defaultRetry}: 5).
 * When the computed status deep-equals the current one nothing is written.
 *
 * @throws the last error when it is not a conflict or the attempts are used up.
 */
export async function updateStatus<T extends WithStatus<S>, S>(
  object: T,
  options: UpdateStatusOptions<T, S>,
): Promise<UpdateStatusResult<T>> {
  let attempts = 0;
  return retryOnConflict(async (attempt) => {
    attempts = attempt;
    const latest = attempt === 1 ? object : await options.read();
    const status = options.status(latest);
    if (deepEqual(latest.status, status)) return { object: latest, written: false, attempts };
    const stored = await options.write({ ...latest, status });
    return { object: stored, written: true, attempts };
  }, options);
}

/** Structural equality of JSON values (key order ignored; `undefined` members equal absent ones). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!deepEqual(ao[k], bo[k])) return false;
  return true;
}

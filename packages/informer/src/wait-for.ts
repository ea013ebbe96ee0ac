// client-go 1.36's context-aware sync wait (PR #135395): cache.WaitFor(ctx, what, checkers...)
// over DoneCheckers (a channel closed once synced) — here over SyncWaiters, which notify: no
// polling, no sleep. It answers which sources synced and which did not, instead of one boolean.
import type { SyncWaiter } from './handlers.js';

/** What {@link waitFor} resolves with. The arrays keep the order the checkers were given in. */
export interface WaitForResult<S extends SyncWaiter = SyncWaiter> {
  /** True when every checker synced. */
  readonly allSynced: boolean;
  /** The checkers that synced. */
  readonly synced: readonly S[];
  /**
   * The checkers that had not synced when the wait ended: the signal aborted, or they stopped
   * (their informer's run ended, their registration was removed) before syncing.
   */
  readonly notSynced: readonly S[];
}

/**
 * Waits until every checker — informers, handler registrations, anything with `hasSynced()` and
 * `whenSynced(signal)` — has synced, and says which did (client-go 1.36 `cache.WaitFor` with
 * `HasSyncedChecker()`s). Event-driven: each checker notifies when it syncs; nothing is polled.
 *
 * Resolves:
 * - with `allSynced: true` once every checker synced (at once when they all already have);
 * - when `signal` aborts first, with the checkers not synced by then in `notSynced` — it
 *   resolves rather than rejects, so the caller can name what is missing (client-go's WaitFor
 *   returns false; its callers then log which informers had not synced);
 * - when every checker not synced has stopped (will never sync), without waiting for `signal`.
 *
 * Never rejects. Plain `() => boolean` functions are not accepted: they can only be polled (use
 * {@link waitForCacheSync} for them).
 *
 * @example
 * ```ts
 * const { allSynced, notSynced } = await waitFor(AbortSignal.timeout(30_000), pods, nodes);
 * if (!allSynced) throw new Error(`not synced: ${notSynced.map((i) => i.name).join(', ')}`);
 * ```
 * @param signal - ends the wait.
 * @param checkers - the sources to wait for.
 * @returns which synced and which did not.
 */
export async function waitFor<const C extends readonly SyncWaiter[]>(
  signal: AbortSignal,
  ...checkers: C
): Promise<WaitForResult<C[number]>> {
  // A tuple type: informers of different object types (pods and nodes) mix, and the result's
  // arrays are typed as the union of what was given.
  type S = C[number];
  const done = await Promise.all(checkers.map((c) => c.whenSynced(signal)));
  const synced: S[] = [];
  const notSynced: S[] = [];
  checkers.forEach((c, i) => {
    // A checker that synced exactly as the signal aborted counts as synced.
    if (done[i] === true || c.hasSynced()) synced.push(c);
    else notSynced.push(c);
  });
  return { allSynced: notSynced.length === 0, synced, notSynced };
}

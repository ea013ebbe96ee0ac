// kubecache's own: client-go's WaitForCacheSync answers only true or false, and its callers print
// "failed to wait for caches to sync" — which informer, and why, is left to klog lines printed
// elsewhere. Here the wait itself says, for every informer not synced, its last error and how long
// it has been failing. The boolean `waitForCacheSync` (wait.ts) is kept as it is for its callers.
import { describeError, hasBrand } from '@kubecache/core';
import { isPermanentError, isPermanentFailureError } from '@kubecache/reflector';
import { formatDuration } from './duration.js';
import type { SyncWaiter } from './handlers.js';
import { whenSourcesSynced, type SyncSource } from './wait.js';

/** What an informer tells about itself while it is not synced (a `SharedIndexInformer` does). */
export interface SyncDescribable extends SyncWaiter {
  /** Name in reports, e.g. `pods.v1`. */
  readonly name: string;
  /** The last error since the last success, or the error it stopped with. */
  lastError(): Error | undefined;
  /** Clock time (ms) since which it has been failing; `undefined` while healthy. */
  failingSince(): number | undefined;
  /** The clock of `failingSince`. */
  readonly clock: { now(): number };
}

/** One source that had not synced when {@link CacheSyncTimeoutError} was thrown. */
export interface PendingSync {
  /** The informer's name; `source <i>` for a function or registration (i = its position). */
  readonly name: string;
  /** Its last error, if it reported one. */
  readonly lastError: Error | undefined;
  /** How long it has been failing, in ms, if it is. */
  readonly failingForMs: number | undefined;
  /** True when the last error is one retrying cannot fix (400, 401, 403, 404, 422, wrong kind). */
  readonly permanent: boolean;
}

const cacheSyncTimeoutBrand = Symbol.for('@kubecache/informer/CacheSyncTimeoutError');

function describePending(p: PendingSync): string {
  if (p.lastError === undefined) return `${p.name}: not synced yet, no error reported`;
  const failing = p.failingForMs === undefined ? '' : ` for ${formatDuration(p.failingForMs)}`;
  return `${p.name}: failing${failing}${p.permanent ? ' (will not fix itself)' : ''}: ${describeError(p.lastError)}`;
}

/**
 * Thrown by {@link waitForCacheSyncOrThrow} when its timeout passed (or its signal aborted)
 * before every source synced. `pending` lists the sources not synced, each with its last error
 * and how long it has been failing; the message says the same in one line, redacted, e.g.
 *
 * ```
 * caches not synced after 5000 ms: podz.v1: failing for 4.9 s (will not fix itself): the server could not find the requested resource (podz) (404 NotFound)
 * ```
 */
export class CacheSyncTimeoutError extends Error {
  override readonly name = 'CacheSyncTimeoutError';
  readonly [cacheSyncTimeoutBrand] = true;
  /**
   * `timeout`: `timeoutMs` passed; `aborted`: the signal aborted first; `stopped`: a source
   * stopped (its informer's run ended) before it synced.
   */
  readonly reason: 'timeout' | 'aborted' | 'stopped';
  /** How long the wait lasted, in ms. */
  readonly waitedMs: number;
  /** The sources not synced, in the order given. */
  readonly pending: readonly PendingSync[];
  /**
   * @param reason - why the wait ended.
   * @param waitedMs - how long it lasted.
   * @param pending - the sources not synced.
   */
  constructor(
    reason: 'timeout' | 'aborted' | 'stopped',
    waitedMs: number,
    pending: readonly PendingSync[],
    options?: ErrorOptions,
  ) {
    const ms = String(Math.round(waitedMs));
    const when =
      reason === 'timeout'
        ? `after ${ms} ms`
        : reason === 'aborted'
          ? `when the wait was aborted after ${ms} ms`
          : `after ${ms} ms (an informer stopped)`;
    super(`caches not synced ${when}: ${pending.map(describePending).join('; ')}`, options);
    this.reason = reason;
    this.waitedMs = waitedMs;
    this.pending = pending;
  }
}

/** Type guard for {@link CacheSyncTimeoutError} (brand-based: works across duplicate copies). */
export function isCacheSyncTimeoutError(err: unknown): err is CacheSyncTimeoutError {
  return hasBrand(err, cacheSyncTimeoutBrand);
}

/** Options of {@link waitForCacheSyncOrThrow}. */
export interface WaitForCacheSyncOptions {
  /** Give up after this many ms (real time). Default: no timeout (then pass a `signal`). */
  timeoutMs?: number;
  /** Give up when it aborts. Default: none. */
  signal?: AbortSignal;
}

function isDescribable(s: SyncSource): s is SyncSource & SyncDescribable {
  return (
    typeof s === 'object' &&
    typeof (s as Partial<SyncDescribable>).lastError === 'function' &&
    typeof (s as Partial<SyncDescribable>).failingSince === 'function'
  );
}

function isSynced(s: SyncSource): boolean {
  return typeof s === 'function' ? s() : s.hasSynced();
}

function pendingOf(s: SyncSource, i: number): PendingSync {
  if (!isDescribable(s)) {
    return {
      name: `source ${String(i)}`,
      lastError: undefined,
      failingForMs: undefined,
      permanent: false,
    };
  }
  const lastError = s.lastError();
  const since = s.failingSince();
  return {
    name: s.name,
    lastError,
    failingForMs: since === undefined ? undefined : Math.max(0, s.clock.now() - since),
    permanent:
      lastError !== undefined &&
      (isPermanentFailureError(lastError) || isPermanentError(lastError)),
  };
}

/**
 * Waits until every source has synced, and says why when they do not: resolves once all synced;
 * rejects with a {@link CacheSyncTimeoutError} listing each source not synced — its last error
 * and how long it has been failing — when `timeoutMs` passes or `signal` aborts first; rejects at
 * once with the `PermanentFailureError` of an informer that gave up (`onPermanentError: 'stop'`).
 *
 * Informers and handler registrations notify (no polling); plain functions are polled every
 * 100 ms. The boolean {@link waitForCacheSync} is unchanged: this is its telling counterpart.
 *
 * @example
 * ```ts
 * factory.start(signal);
 * await waitForCacheSyncOrThrow([pods, nodes], { timeoutMs: 30_000 });
 * // CacheSyncTimeoutError: caches not synced after 30000 ms: pods.v1: failing for 29.6 s: …
 * ```
 * @param sources - informers, registrations or functions.
 * @param options - timeout and/or signal.
 */
export async function waitForCacheSyncOrThrow(
  sources: readonly SyncSource[],
  options: WaitForCacheSyncOptions = {},
): Promise<void> {
  const started = performance.now();
  const ac = new AbortController();
  let reason: 'timeout' | 'aborted' = 'aborted';
  const onAbort = (): void => ac.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) ac.abort();
  const timer =
    options.timeoutMs !== undefined
      ? setTimeout(() => {
          reason = 'timeout';
          ac.abort();
        }, options.timeoutMs)
      : undefined;
  try {
    const stopped = new Promise<never>((_resolve, reject) => {
      // An informer that gave up on an error retrying cannot fix will never sync: say so at once.
      for (const s of sources) {
        if (typeof s === 'function' || !isDescribable(s)) continue;
        void s.whenSynced(ac.signal).then((ok) => {
          const err = s.lastError();
          if (!ok && !ac.signal.aborted && isPermanentFailureError(err)) reject(err);
        });
      }
    });
    stopped.catch(() => undefined);
    const all = whenSourcesSynced(sources, ac.signal);
    await Promise.race([all, stopped]);
    if (sources.every(isSynced)) return;
    throw new CacheSyncTimeoutError(
      ac.signal.aborted ? reason : 'stopped',
      performance.now() - started,
      sources.flatMap((s, i) => (isSynced(s) ? [] : [pendingOf(s, i)])),
    );
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    ac.abort();
  }
}

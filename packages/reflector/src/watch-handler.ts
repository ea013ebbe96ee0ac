// client-go's handleAnyWatch: applies the events of one watch stream to a store, tracks the
// resource version, and classifies how the stream ended. Internal.
import { isAbortError, toError, type KubeObject } from '@kubecache/core';
import {
  isApiStatusError,
  isExpired,
  isInternalError,
  isTooManyRequests,
  isWatchDecodeError,
  type WatchStream,
} from '@kubecache/listwatch';
import { isBookmarkStore, isResourceVersionUpdater, type Store } from '@kubecache/store';
import type { ReflectorContext } from './context.js';
import { ReflectorError } from './errors.js';
import type { WatchEndReason } from './options.js';

/** The `k8s.io/initial-events-end` annotation of WatchList's end bookmark. */
export const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

/** How a stream ended, and how many events it applied. */
export interface WatchEnded {
  readonly reason: WatchEndReason;
  readonly error?: Error | undefined;
  /** Events applied (bookmarks included). */
  readonly events: number;
  /** For WatchList: the resource version of the last event or of the end bookmark. */
  readonly lastRv?: string;
}

/** Which kind of stream {@link consumeWatch} reads. */
export type ConsumeMode =
  /** A regular watch started at `startedFrom` (`''`/`'0'`: synthetic ADDs until a real change). */
  | { kind: 'watch'; startedFrom: string }
  /** WatchList's initial events: into a temporary store, returning at the end bookmark. */
  | { kind: 'initial-events'; startedFrom: string };

/** Classifies an error that ended a stream. */
function endReasonOf(e: Error): WatchEndReason {
  if (isWatchDecodeError(e)) return 'decode-error';
  if (isExpired(e) || (isApiStatusError(e) && e.code === 410)) return 'expired';
  if (isTooManyRequests(e)) return 'too-many-requests';
  if (isInternalError(e)) return 'internal-error';
  return 'error';
}

/**
 * Applies watch events to `store` until the stream ends (or, for initial events, until the
 * `k8s.io/initial-events-end` bookmark: the stream is then left open to carry on as the watch).
 * Regular watches move the Reflector's RV with every event and bookmark, except the synthetic
 * ADDs of an RV-less watch; initial events only track the RV locally (in `lastRv`).
 */
export async function consumeWatch<T>(
  ctx: ReflectorContext<T>,
  stream: WatchStream<T>,
  store: Store<T>,
  signal: AbortSignal,
  mode: ConsumeMode,
): Promise<WatchEnded> {
  const initial = mode.kind === 'initial-events';
  let events = 0;
  let lastRv = mode.startedFrom;
  let synthetic = !initial && (mode.startedFrom === '' || mode.startedFrom === '0');
  // A manual iterator: returning early at the WatchList end bookmark must not close the stream,
  // which carries on as the regular watch.
  const it = stream[Symbol.asyncIterator]();
  try {
    for (;;) {
      // Events already decoded are taken synchronously (no promise per event); otherwise wait.
      let ev = stream.poll?.();
      if (ev === undefined) {
        const step = await it.next();
        if (step.done) break;
        ev = step.value;
      }
      if (signal.aborted) break;
      const obj = ev.object as T & KubeObject;
      const rv = obj.metadata?.resourceVersion;
      if (typeof rv !== 'string' || rv === '') {
        ctx.note(
          new ReflectorError(
            'object',
            `${ev.type} event without metadata.resourceVersion; skipped`,
          ),
        );
        continue;
      }
      ctx.metrics.event?.(ev.type);
      if (ev.type === 'BOOKMARK') {
        synthetic = false;
        if (initial) {
          lastRv = rv;
          if (obj.metadata?.annotations?.[INITIAL_EVENTS_END] === 'true') {
            return { reason: 'initial-events-end', events, lastRv };
          }
          continue;
        }
        ctx.setLastSyncRv(rv);
        ctx.stats.lastEventAt = ctx.clock.now();
        if (isBookmarkStore(store)) store.bookmark(rv);
        if (isResourceVersionUpdater(store)) store.updateResourceVersion(rv);
        events++;
        continue;
      }
      const checked = ctx.checkObject(obj, initial ? 'list' : 'watch');
      if (checked === undefined) continue;
      try {
        if (ev.type === 'ADDED') store.add(checked);
        else if (ev.type === 'MODIFIED') store.update(checked);
        else store.delete(checked);
      } catch (err) {
        ctx.note(
          new ReflectorError('store', `unable to apply ${ev.type}: ${toError(err).message}`, {
            cause: err,
          }),
          'store update failed',
        );
        continue;
      }
      events++;
      ctx.stats.events++;
      ctx.stats.lastEventAt = ctx.clock.now();
      if (synthetic && ev.type !== 'ADDED') synthetic = false;
      if (initial) {
        lastRv = rv;
      } else if (!synthetic) {
        ctx.setLastSyncRv(rv);
        if (isResourceVersionUpdater(store)) store.updateResourceVersion(rv);
      }
    }
  } catch (err) {
    if (signal.aborted || isAbortError(err)) return { reason: 'aborted', events, lastRv };
    const e = toError(err);
    return { reason: endReasonOf(e), error: e, events, lastRv };
  }
  return { reason: signal.aborted ? 'aborted' : 'closed', events, lastRv };
}

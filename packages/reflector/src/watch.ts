// client-go's Reflector.watch: watches resumed from the last synced resource version for as long
// as they can be, deciding per ending whether to rewatch, back off, or give up for a relist.
import { isAbortError, sleep, toError } from '@kubecache/core';
import {
  isApiStatusError,
  isConnectionRefused,
  isExpired,
  isTooManyRequests,
  type WatchStream,
} from '@kubecache/listwatch';
import type { ReflectorContext } from './context.js';
import { ReflectorError } from './errors.js';
import { consumeWatch } from './watch-handler.js';

/**
 * Watches (starting with `initial`, the WatchList stream, if any) until a relist is needed —
 * then resolves — or a watch cannot be started for a non-retriable reason — then rejects.
 *
 * - Normal close → rewatch from the last RV; under 1 s with no events → reported as a very short
 *   watch, relist after backoff.
 * - 410 (ERROR event or HTTP) → relist at the last RV.
 * - 429 or connection refused at start, 429 mid-stream, a malformed line, resets and idle
 *   timeouts → back off and rewatch from the last good RV, no relist.
 * - HTTP 500 → rewatch for up to `maxInternalErrorRetryDurationMs`, then relist.
 */
export async function watchLoop<T>(
  ctx: ReflectorContext<T>,
  initial: WatchStream<T> | undefined,
  signal: AbortSignal,
): Promise<void> {
  let stream = initial;
  let internalErrorSince: number | undefined;
  for (;;) {
    if (signal.aborted) {
      stream?.stop();
      return;
    }
    const startedFrom = ctx.rv.lastSync;
    if (stream === undefined) {
      const timeoutSeconds = ctx.watchTimeoutSeconds();
      try {
        ctx.opts.events?.onWatchStart?.({
          resourceVersion: startedFrom,
          timeoutSeconds,
          sendInitialEvents: false,
        });
        stream = await ctx.lw.watch(
          { resourceVersion: startedFrom, timeoutSeconds, allowWatchBookmarks: true },
          signal,
        );
        ctx.stats.watches++;
        ctx.metrics.watchStarted?.();
      } catch (err) {
        if (signal.aborted || isAbortError(err)) return;
        const e = toError(err);
        if (isConnectionRefused(e) || isTooManyRequests(e)) {
          // The server is busy or away: the RV is still good, so back off and rewatch (no relist).
          const delayMs = ctx.nextDelay(e);
          ctx.report(e, 'watch failed', { retryInMs: delayMs });
          await sleepQuietly(ctx, delayMs, signal);
          continue;
        }
        if (isExpired(e) || (isApiStatusError(e) && e.code === 410)) {
          ctx.report(e, 'watch failed, relisting', {}, 'info');
          ctx.relistReason = 'expired';
          return; // relist (after the run loop's backoff)
        }
        throw e;
      }
    }
    const start = ctx.clock.now();
    ctx.succeeded();
    ctx.watching = true;
    let ended;
    try {
      ended = await consumeWatch(ctx, stream, ctx.store, signal, {
        kind: 'watch',
        startedFrom,
      });
    } finally {
      ctx.watching = false;
    }
    stream.stop();
    stream = undefined;
    const durationMs = ctx.clock.now() - start;
    const veryShort = ended.reason === 'closed' && durationMs < 1000 && ended.events === 0;
    if (ended.reason === 'decode-error') ctx.metrics.decodeError?.();
    ctx.metrics.watchEnded?.({
      durationMs,
      events: ended.events,
      reason: veryShort ? 'very-short' : ended.reason,
    });
    ctx.opts.events?.onWatchEnd?.({
      reason: ended.reason,
      events: ended.events,
      durationMs,
      ...(ended.error ? { error: ended.error } : {}),
    });
    switch (ended.reason) {
      case 'aborted':
        return;
      case 'closed':
        if (veryShort) {
          ctx.report(
            new ReflectorError(
              'very-short-watch',
              'unexpected watch close - watch lasted less than a second and no items received',
            ),
            'watch ended, relisting',
          );
          ctx.relistReason = 'very-short-watch';
          return; // relist after backoff, as client-go
        }
        internalErrorSince = undefined;
        continue; // normal end: rewatch from the last RV
      case 'expired':
        ctx.report(ended.error!, 'watch ended, relisting', {}, 'info');
        ctx.relistReason = 'expired';
        return; // relist at the last RV
      case 'too-many-requests':
      case 'decode-error': {
        // Resume from the last good RV without relisting; back off so a broken stream cannot spin.
        const delayMs = ctx.nextDelay(ended.error);
        ctx.report(ended.error!, 'watch ended', { retryInMs: delayMs });
        await sleepQuietly(ctx, delayMs, signal);
        continue;
      }
      case 'internal-error': {
        const now = ctx.clock.now();
        internalErrorSince ??= now;
        if (now - internalErrorSince < (ctx.opts.maxInternalErrorRetryDurationMs ?? 0)) {
          ctx.report(ended.error!, 'watch ended');
          continue;
        }
        ctx.report(ended.error!, 'watch ended, relisting');
        ctx.relistReason = 'internal-error';
        return;
      }
      case 'error':
      case 'initial-events-end': {
        // Connection resets, idle timeouts and other errors: rewatch after backoff from the last
        // RV; a relist follows only if the server says the RV is gone.
        const delayMs = ctx.nextDelay(ended.error);
        ctx.report(
          ended.error ?? new ReflectorError('watch', `watch ended: ${ended.reason}`),
          'watch ended',
          { retryInMs: delayMs },
        );
        await sleepQuietly(ctx, delayMs, signal);
        continue;
      }
    }
  }
}

/** Sleeps `ms` on the Reflector's clock; returns early (without throwing) when aborted. */
async function sleepQuietly<T>(
  ctx: ReflectorContext<T>,
  ms: number,
  signal: AbortSignal,
): Promise<void> {
  try {
    await sleep(ms, { clock: ctx.clock, signal });
  } catch {
    // aborted: the caller checks the signal
  }
}

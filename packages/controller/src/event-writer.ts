// The writes of an event recorder: a bounded queue of Event series written in the background by a
// few workers, with client-go's retries and series upkeep (k8s.io/client-go/tools/events
// event_broadcaster.go: recordToSink / attemptRecording retry a failed write 12 times 10 s + up to
// 25 % apart; a series is a strategic-merge PATCH of `series`, refreshed every 30 minutes and
// written a last time when it ended after 6 quiet minutes).
// Differs from client-go: 429 and 5xx answers are retried and any other API error drops the event
// (client-go drops any API error); the queue is bounded by writes waiting, not by a channel per
// watcher; and the flush at shutdown writes pending series counts instead of losing them.
import type { Clock, Logger, TimerHandle } from '@kubecache/core';
import { isApiStatusError } from '@kubecache/listwatch';
import type { ClientHttp } from './client-http.js';
import { patchContentTypes } from './client-patch.js';
import { isAlreadyExistsError, isNotFoundError } from './errors.js';
import { formatMicroTime } from './event-wire.js';

/** The `component` field of the recorder's log lines. */
export const eventRecorderComponent = 'event-recorder';

/** One Event and its series: what the recorder counts and the writer writes. */
export interface EventSeries {
  readonly key: string;
  /** The Event to create: metadata.name/namespace, eventTime and the recorded fields. */
  readonly body: Record<string, unknown>;
  readonly namespace: string;
  readonly name: string;
  readonly firstMs: number;
  count: number;
  lastObservedMs: number;
  /** The count the server has: 0 before the create succeeded. */
  written: number;
  /** Write even if the count is unchanged (the refresh). */
  refresh: boolean;
  queued: boolean;
  inFlight: boolean;
  /** Asked to write again while in flight. */
  again: boolean;
  tries: number;
  retry: TimerHandle | undefined;
}

/** Settings of {@link createEventWriter}, all checked and defaulted by the recorder. Durations in ms. */
export interface EventWriterOptions {
  /** The HTTP layer the Events are written over; closed when the flush is over. */
  http: ClientHttp;
  logger: Logger;
  clock: Clock;
  /** Random numbers in [0, 1) for the retry jitter. */
  random: () => number;
  /** Writes waiting at most; a new series arriving at a full queue is dropped (warn). */
  maxQueued: number;
  /** Writes in flight at once. */
  maxInFlight: number;
  /** Attempts per write before it is dropped with an error line. */
  maxTries: number;
  /** Wait between attempts, jittered by up to +25 %. */
  retryDelayMs: number;
  /** A write not answered within this is aborted (and retried). */
  requestTimeoutMs: number;
  /** A series quiet this long is written a last time and forgotten; checked this often. */
  finishMs: number;
  /** Every open series is written this often. */
  refreshMs: number;
}

/**
 * Writes a recorder's Events.
 *
 * Contract:
 * - `enqueue(s)` asks for `s` to be written: the create (POST) while the server has none of it,
 *   then a strategic-merge PATCH of `series` when its count (≥ 2) changed or a refresh is due.
 *   A series in flight is written again after; one waiting for a retry is not queued twice; a
 *   full queue drops it with a warning unless `bypassBound` (series already known).
 * - Nothing is written before `start()`; then at most `maxInFlight` writes at once.
 * - A connection error, a timeout, 429 or 5xx is retried `maxTries` times; any other API error
 *   drops the write with an error line (debug for AlreadyExists). A 404 to the PATCH creates the
 *   Event again; AlreadyExists to the create of a series turns into the PATCH.
 * - `series` holds the series by correlation key; series with no occurrence for `finishMs` are
 *   written a last time and forgotten, and every `refreshMs` each open series is written.
 * - `flush(timeoutMs)` stops the timers and writes what is pending — queued writes, series
 *   counts not yet written, writes waiting for a retry (one attempt each) — then closes `http`;
 *   past `timeoutMs` it aborts the writes in flight and drops the rest with a warning. It
 *   never rejects.
 */
export interface EventWriter {
  /** Open series by correlation key. */
  readonly series: Map<string, EventSeries>;
  /** Asks for `s` to be written (see the contract). */
  enqueue(s: EventSeries, bypassBound?: boolean): void;
  /** Starts writing, and the finish and refresh timers (which do not keep the process alive). */
  start(): void;
  /** Writes what is pending for at most `timeoutMs`, then closes the HTTP layer. */
  flush(timeoutMs: number): Promise<void>;
  /** Writes queued, in flight, or waiting to be retried. */
  pending(): number;
}

type Outcome = 'done' | 'again' | 'retry' | 'drop';

const component = eventRecorderComponent;

/** Creates an {@link EventWriter}. */
export function createEventWriter(options: EventWriterOptions): EventWriter {
  const { http: client, logger, clock, random, maxInFlight, maxTries } = options;
  const { retryDelayMs, requestTimeoutMs, finishMs, refreshMs } = options;
  const maxQueued = options.maxQueued;
  const cache = new Map<string, EventSeries>();
  const queue: EventSeries[] = [];
  const retrying = new Set<EventSeries>();
  const aborts = new Set<AbortController>();
  let inFlight = 0;
  let started = false;
  let flushing = false;
  let finishTimer: TimerHandle | undefined;
  let refreshTimer: TimerHandle | undefined;
  let flushDone: (() => void) | undefined;

  const describe = (s: EventSeries): Record<string, unknown> => ({
    component,
    key: `${s.namespace}/${s.name}`,
    reason: s.body.reason,
    regarding: s.body.regarding,
  });

  function enqueue(s: EventSeries, bypassBound = false): void {
    if (s.inFlight) {
      s.again = true;
      return;
    }
    if (s.queued || (s.retry !== undefined && !flushing)) return;
    if (!bypassBound && queue.length >= maxQueued) {
      logger.warn(
        { ...describe(s), maxQueuedWrites: maxQueued },
        'event dropped: the write queue is full',
      );
      return;
    }
    s.queued = true;
    queue.push(s);
    pump();
  }

  function pump(): void {
    while (started && inFlight < maxInFlight && queue.length > 0) {
      const s = queue.shift()!;
      s.queued = false;
      start(s);
    }
    if (flushing && queue.length === 0 && inFlight === 0) flushDone?.();
  }

  function start(s: EventSeries): void {
    s.inFlight = true;
    inFlight++;
    const ac = new AbortController();
    aborts.add(ac);
    const timer = clock.setTimeout(() => {
      ac.abort(new Error(`no answer within ${String(requestTimeoutMs)} ms`));
    }, requestTimeoutMs);
    write(s, ac.signal)
      .catch((err: unknown): Outcome => {
        if (flushing && ac.signal.aborted) return 'drop';
        if (isApiStatusError(err)) {
          const retriable = err.code === 429 || err.code >= 500;
          if (!retriable) {
            if (isAlreadyExistsError(err)) {
              logger.debug({ ...describe(s), err }, 'server rejected event (will not retry)');
            } else {
              logger.error({ ...describe(s), err }, 'server rejected event (will not retry)');
            }
            return 'drop';
          }
        }
        logger.warn(
          { ...describe(s), err, attempt: s.tries + 1 },
          'unable to write event (may retry after sleeping)',
        );
        return 'retry';
      })
      .then((outcome) => {
        timer.cancel();
        aborts.delete(ac);
        s.inFlight = false;
        inFlight--;
        settle(s, outcome);
        pump();
      })
      .catch(() => undefined);
  }

  function settle(s: EventSeries, outcome: Outcome): void {
    if (outcome === 'done') {
      s.tries = 0;
      if (s.again) {
        s.again = false;
        enqueue(s, true);
      }
      return;
    }
    if (outcome === 'drop') {
      s.tries = 0;
      s.again = false;
      s.refresh = false;
      s.written = Math.max(s.written, s.count); // settled: not tried again until it changes
      return;
    }
    s.tries++;
    if (s.tries >= maxTries || (flushing && outcome === 'retry')) {
      if (s.tries >= maxTries) {
        logger.error(
          { ...describe(s), tries: s.tries },
          'unable to write event (retry limit exceeded!)',
        );
      }
      settle(s, 'drop');
      return;
    }
    if (outcome === 'again') {
      enqueue(s, true);
      return;
    }
    const delay = retryDelayMs * (1 + 0.25 * random());
    retrying.add(s);
    s.retry = clock.setTimeout(() => {
      retrying.delete(s);
      s.retry = undefined;
      enqueue(s, true);
    }, delay);
  }

  async function write(s: EventSeries, signal: AbortSignal): Promise<Outcome> {
    const count = s.count;
    const series =
      count >= 2 ? { count, lastObservedTime: formatMicroTime(s.lastObservedMs) } : undefined;
    const collection = `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(s.namespace)}/events`;
    if (s.written === 0) {
      const body = series === undefined ? s.body : { ...s.body, series };
      try {
        await client.request({ method: 'POST', path: collection, body, signal });
        s.written = count;
        s.refresh = false;
        return 'done';
      } catch (err) {
        // Our earlier create landed after all (its answer was lost): update it instead.
        if (series !== undefined && isAlreadyExistsError(err)) {
          s.written = 1;
          return 'again';
        }
        throw err;
      }
    }
    if (series === undefined || (count === s.written && !s.refresh)) return 'done';
    try {
      await client.request({
        method: 'PATCH',
        path: `${collection}/${encodeURIComponent(s.name)}`,
        body: { series },
        contentType: patchContentTypes.strategic,
        signal,
      });
      s.written = count;
      s.refresh = false;
      return 'done';
    } catch (err) {
      // Deleted meanwhile (or its TTL ran out): create it again with the series.
      if (isNotFoundError(err)) {
        s.written = 0;
        return 'again';
      }
      throw err;
    }
  }

  function finishSeries(): void {
    const now = clock.now();
    for (const [key, s] of cache) {
      if (s.count >= 2) {
        if (s.lastObservedMs < now - finishMs) {
          cache.delete(key);
          if (s.count > s.written) enqueue(s, true);
        }
      } else if (s.firstMs < now - finishMs) {
        cache.delete(key);
      }
    }
    finishTimer = clock.setTimeout(finishSeries, finishMs);
    finishTimer.unref?.();
  }

  function refreshSeries(): void {
    for (const s of cache.values()) {
      if (s.count >= 2) {
        s.refresh = true;
        enqueue(s, true);
      }
    }
    refreshTimer = clock.setTimeout(refreshSeries, refreshMs);
    refreshTimer.unref?.();
  }

  function startWriting(): void {
    if (started) return;
    started = true;
    // Housekeeping timers do not keep the process alive: a program that is done exits even if
    // it never aborted the recorder (writes in flight and their retries still do).
    finishTimer = clock.setTimeout(finishSeries, finishMs);
    finishTimer.unref?.();
    refreshTimer = clock.setTimeout(refreshSeries, refreshMs);
    refreshTimer.unref?.();
    pump();
  }

  function flush(timeoutMs: number): Promise<void> {
    finishTimer?.cancel();
    refreshTimer?.cancel();
    return new Promise<void>((resolve) => {
      const deadline = clock.setTimeout(() => {
        const dropped = queue.length + inFlight;
        for (const s of queue) s.queued = false;
        queue.length = 0;
        for (const ac of aborts) ac.abort(new Error('the event recorder shut down'));
        logger.warn(
          { component, dropped, timeoutMs },
          'event writes not finished by the shutdown deadline; dropped',
        );
        flushDone?.();
      }, timeoutMs);
      flushDone = () => {
        flushDone = undefined;
        deadline.cancel();
        client.close();
        resolve();
      };
      flushing = true;
      started = true;
      const waiting = [...retrying];
      retrying.clear();
      for (const s of waiting) {
        s.retry?.cancel();
        s.retry = undefined;
        enqueue(s, true);
      }
      for (const s of cache.values()) if (s.count > s.written) enqueue(s, true);
      pump();
    });
  }

  return {
    series: cache,
    enqueue,
    start: startWriting,
    flush,
    pending: () => queue.length + inFlight + retrying.size,
  };
}

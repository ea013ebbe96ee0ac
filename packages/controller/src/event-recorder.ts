// An events.k8s.io/v1 Event recorder for controllers: `eventf` returns at once, the writes go out
// from a bounded queue in the background, and a failure is logged, never thrown. Follows
// k8s.io/client-go/tools/events (event_recorder.go makeEvent: name, namespace, eventTime;
// event_broadcaster.go recordToSink/attemptRecording/recordEvent: isomorphic events become one
// Event with a series, the second occurrence writes it at once, later ones are written by the
// 30-minute refresh or when the series ends after 6 quiet minutes; 12 tries 10 s + up to 25 %
// apart; a series is a strategic-merge PATCH of `series`)
// with the correlator of k8s.io/client-go/tools/record/events_cache.go (see event-correlator.ts).
// This file checks the options and turns each `eventf` into a series; the Event's wire form is in
// event-wire.ts, the queue, retries and series upkeep in event-writer.ts.
import { hostname } from 'node:os';
import {
  createRateLimitedLogger,
  defaultLogger,
  realClock,
  type Clock,
  type Logger,
} from '@kubecache/core';
import type { KubeConfigLike } from '@kubecache/listwatch';
import { createClientHttp } from './client-http.js';
import {
  createEventCorrelator,
  type EventCorrelatorOptions,
  type EventRecord,
  type EventType,
} from './event-correlator.js';
import { truncateEventNote } from './event-note.js';
import {
  createEventNamer,
  formatMicroTime,
  referenceOf,
  wireReference,
  type EventSubject,
} from './event-wire.js';
import { createEventWriter, eventRecorderComponent, type EventSeries } from './event-writer.js';
import { ControllerOptionsError } from './errors.js';

const component = eventRecorderComponent;
const maxFieldChars = 128;

/** Options of {@link createEventRecorder}. Durations in ms; defaults are client-go's. */
export interface EventRecorderOptions {
  /** The cluster and credentials (a @kubernetes/client-node `KubeConfig` 1.4 or 2.x). */
  kubeConfig: KubeConfigLike;
  /**
   * `reportingController` of every Event: the controller's name, e.g. `sample-controller` or
   * `example.com/foo-controller` (a qualified name, as the API validates it).
   */
  reportingController: string;
  /**
   * `reportingInstance` of every Event (at most 128 characters). Default:
   * `<reportingController>-<hostname>` (client-go's), cut to 128.
   */
  reportingInstance?: string | undefined;
  /** Where write failures and dropped events are logged (rate-limited). Default: `defaultLogger`. */
  logger?: Logger | undefined;
  /** Time source of timers, eventTime and the correlator. Default: the real clock. */
  clock?: Clock | undefined;
  /** Spam filter and aggregation settings (see `createEventCorrelator`). */
  correlator?: Omit<EventCorrelatorOptions, 'clock'> | undefined;
  /** Event writes waiting at most; an event arriving at a full queue is dropped. Default: 1000. */
  maxQueuedWrites?: number | undefined;
  /** Writes in flight at once. Default: 4. */
  maxInFlight?: number | undefined;
  /** Attempts per write before it is dropped with an error line. Default: 12. */
  maxTries?: number | undefined;
  /** Wait between attempts, jittered by up to +25 %. Default: 10000. */
  retryDelayMs?: number | undefined;
  /** A write not answered within this is aborted (and retried). Default: 10000. */
  requestTimeoutMs?: number | undefined;
  /**
   * A series with no new occurrence for this long is written a last time and forgotten (the next
   * occurrence starts a new Event); single events are forgotten after it too. Default: 360000
   * (6 minutes). Checked every this many ms, so a series ends between 1× and 2× after its last
   * occurrence.
   */
  seriesFinishMs?: number | undefined;
  /** Every open series is written this often (keeps its count current and the Event alive). Default: 1800000. */
  seriesRefreshMs?: number | undefined;
  /** How long `shutdown` (and `run` after its signal) waits for pending writes. Default: 5000. */
  shutdownTimeoutMs?: number | undefined;
  /** `User-Agent` header. Default: `kubecache-events`. */
  userAgent?: string | undefined;
  /** Random numbers in [0, 1) for the retry jitter. Default: `Math.random`. */
  random?: (() => number) | undefined;
}

/** Records events.k8s.io/v1 Events; see {@link createEventRecorder}. */
export interface EventRecorder {
  /**
   * Records one event about `regarding` and returns at once; the write happens in the background
   * (after `run` started). Never throws and never waits: an event that cannot be recorded
   * (no `apiVersion`/`kind`/name on `regarding`, a type other than Normal/Warning, an empty
   * reason or action, the spam filter, a full queue, a failing server) is logged and dropped.
   *
   * @param regarding - the object the event is about; needs `apiVersion` and `kind` (objects
   *   from a lister often lack them: pass `{ ...obj, apiVersion, kind }` or a reference).
   * @param related - a second object involved, or undefined.
   * @param type - `Normal` or `Warning`.
   * @param reason - why, UpperCamelCase (`Synced`, `ErrResourceExists`); cut to 128 characters.
   * @param action - what was done or failed (`Reconcile`, `Create`); cut to 128 characters.
   * @param note - a human-readable description; cut to 1024 bytes of UTF-8 with ` ...`.
   */
  eventf(
    regarding: EventSubject,
    related: EventSubject | undefined,
    type: EventType,
    reason: string,
    action: string,
    note: string,
  ): void;
  /**
   * Writes the queued events, and the series updates as they fall due, until `signal` aborts;
   * then flushes as {@link shutdown} does. Resolves when the flush is over; never rejects.
   * Calling it again returns the same promise.
   */
  run(signal: AbortSignal): Promise<void>;
  /**
   * Stops recording (later `eventf` calls are ignored) and writes what is pending — queued
   * events, series counts not yet written, writes waiting to be retried (one attempt each) —
   * for at most `timeoutMs` (default `shutdownTimeoutMs`); then aborts the writes in flight and
   * drops the rest with a warning. Resolves when done; never rejects; idempotent.
   */
  shutdown(options?: { timeoutMs?: number | undefined }): Promise<void>;
  /** Writes queued, in flight, or waiting to be retried. */
  pendingWrites(): number;
}

function positiveOption(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new ControllerOptionsError(name, `must be a positive number, got ${String(value)}`);
  }
  return value;
}

/**
 * Creates an {@link EventRecorder} writing events.k8s.io/v1 Events to the cluster of
 * `options.kubeConfig`, with client-go's correlation:
 *
 * - identical events (same regarding, related, reporter, type, reason, action and note) are one
 *   Event: the first occurrence creates it, the second sets `series: {count: 2,
 *   lastObservedTime}` at once, later ones only count; the count is written every
 *   `seriesRefreshMs` (30 min), when the series ends (`seriesFinishMs`, 6 min, without an
 *   occurrence) and at shutdown;
 * - similar events (only the note differs) are folded after 10 distinct notes in 10 minutes into
 *   one `(combined from similar events): …` Event, itself a series;
 * - a spam filter allows 25 events per object and reporter at once, then one per 5 minutes;
 *   dropped events are logged at warn level.
 *
 * Events are created in the namespace of `regarding` (`default` for cluster-scoped objects),
 * named `<regarding name>.<hex of ns since the epoch>`, with `eventTime` as a MicroTime. A write
 * failing with a connection error, a timeout, 429 or 5xx is retried (`maxTries` 12, every
 * `retryDelayMs` 10 s + up to 25 %); any other API error (403, 422, …) drops the event with an
 * error line. The recorder needs `create` and `update` on `events` in group `events.k8s.io`.
 *
 * A series is written as client-go writes it: a strategic-merge PATCH of `series` alone; a 404
 * answer creates the Event again (with its series), an AlreadyExists answer to the create of a
 * series (an earlier create landed after all) turns into the PATCH.
 *
 * Differs from client-go: isomorphic events are keyed with the note and without the
 * references' resourceVersion (see `createEventCorrelator`); 429 and 5xx answers are retried
 * (client-go drops any API error); the queue is bounded by writes waiting (1000), not by a
 * channel of 1000 per watcher; writes go over this package's HTTP layer (the one of
 * `createClient`), not a clientset; and `shutdown` writes pending series counts instead of
 * losing them.
 *
 * @throws ControllerOptionsError for an empty `reportingController` or a non-positive number option.
 */
export function createEventRecorder(options: EventRecorderOptions): EventRecorder {
  const reportingController = options.reportingController;
  if (typeof reportingController !== 'string' || reportingController === '') {
    throw new ControllerOptionsError('reportingController', 'must be a non-empty string');
  }
  const reportingInstance = (
    options.reportingInstance ?? `${reportingController}-${hostname()}`
  ).slice(0, maxFieldChars);
  if (reportingInstance === '') {
    throw new ControllerOptionsError('reportingInstance', 'must be a non-empty string');
  }
  const clock = options.clock ?? realClock;
  const random = options.random ?? Math.random;
  const logger = createRateLimitedLogger(options.logger ?? defaultLogger, { clock });
  const maxQueued = positiveOption('maxQueuedWrites', options.maxQueuedWrites ?? 1000);
  const maxInFlight = positiveOption('maxInFlight', options.maxInFlight ?? 4);
  const maxTries = positiveOption('maxTries', options.maxTries ?? 12);
  const retryDelayMs = positiveOption('retryDelayMs', options.retryDelayMs ?? 10_000);
  const requestTimeoutMs = positiveOption('requestTimeoutMs', options.requestTimeoutMs ?? 10_000);
  const finishMs = positiveOption('seriesFinishMs', options.seriesFinishMs ?? 360_000);
  const refreshMs = positiveOption('seriesRefreshMs', options.seriesRefreshMs ?? 1_800_000);
  const shutdownTimeoutMs = positiveOption('shutdownTimeoutMs', options.shutdownTimeoutMs ?? 5_000);
  const correlator = createEventCorrelator({ ...options.correlator, clock });
  const writer = createEventWriter({
    http: createClientHttp(options.kubeConfig, options.userAgent ?? 'kubecache-events'),
    logger,
    clock,
    random,
    maxQueued,
    maxInFlight,
    maxTries,
    retryDelayMs,
    requestTimeoutMs,
    finishMs,
    refreshMs,
  });
  const cache = writer.series;
  const eventName = createEventNamer();
  let stopped = false;
  let shutdownPromise: Promise<void> | undefined;
  let runPromise: Promise<void> | undefined;
  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });

  function record(
    regarding: EventSubject,
    related: EventSubject | undefined,
    type: EventType,
    reason: string,
    action: string,
    note: string,
  ): void {
    if (stopped) {
      logger.debug({ component, reason }, 'event ignored: the recorder was shut down');
      return;
    }
    const ref = referenceOf(regarding);
    if (!ref.apiVersion || !ref.kind || !ref.name) {
      logger.error(
        { component, reason, regarding: wireReference(ref) },
        'event not recorded: regarding needs apiVersion, kind and name',
      );
      return;
    }
    if (type !== 'Normal' && type !== 'Warning') {
      logger.error(
        { component, reason, type: String(type) },
        'event not recorded: unsupported type',
      );
      return;
    }
    if (
      typeof reason !== 'string' ||
      reason === '' ||
      typeof action !== 'string' ||
      action === ''
    ) {
      logger.error(
        { component, reason, action },
        'event not recorded: reason and action are required',
      );
      return;
    }
    const relatedRef = related === undefined ? undefined : referenceOf(related);
    const input: EventRecord = {
      regarding: ref,
      related: relatedRef,
      type,
      reason: reason.slice(0, maxFieldChars),
      action: action.slice(0, maxFieldChars),
      note: truncateEventNote(typeof note === 'string' ? note : String(note)),
      reportingController,
      reportingInstance,
    };
    const c = correlator.correlate(input);
    const namespace = ref.namespace || 'default';
    if (c.skip) {
      logger.warn(
        { component, key: `${namespace}/${ref.name}`, reason: input.reason, type },
        'event dropped by the spam filter',
      );
      return;
    }
    const now = clock.now();
    const existing = cache.get(c.key);
    if (existing !== undefined) {
      existing.count++;
      existing.lastObservedMs = now;
      if (existing.count === 2) writer.enqueue(existing);
      return;
    }
    const e = c.event;
    const name = eventName(ref.name, now);
    const body: Record<string, unknown> = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name, namespace },
      eventTime: formatMicroTime(now),
      reportingController,
      reportingInstance,
      action: e.action,
      reason: e.reason,
      regarding: wireReference(e.regarding),
      ...(e.related !== undefined ? { related: wireReference(e.related) } : {}),
      note: e.note,
      type: e.type,
    };
    const s: EventSeries = {
      key: c.key,
      body,
      namespace,
      name,
      firstMs: now,
      count: 1,
      lastObservedMs: now,
      written: 0,
      refresh: false,
      queued: false,
      inFlight: false,
      again: false,
      tries: 0,
      retry: undefined,
    };
    cache.set(c.key, s);
    writer.enqueue(s);
  }

  function shutdown(opts: { timeoutMs?: number | undefined } = {}): Promise<void> {
    if (shutdownPromise !== undefined) return shutdownPromise;
    const timeoutMs = opts.timeoutMs ?? shutdownTimeoutMs;
    stopped = true;
    shutdownPromise = writer.flush(timeoutMs).then(() => {
      try {
        logger.flush();
      } catch {
        // Logging must never break the caller.
      }
      markClosed();
    });
    return shutdownPromise;
  }

  return {
    eventf(regarding, related, type, reason, action, note) {
      try {
        record(regarding, related, type, reason, action, note);
      } catch (err) {
        logger.error({ component, err }, 'event not recorded');
      }
    },
    run(signal) {
      if (runPromise !== undefined) return runPromise;
      writer.start();
      const stop = (): void => void shutdown();
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
      // Resolves once shut down, by the signal or by a direct shutdown().
      runPromise = closed.then(() => signal.removeEventListener('abort', stop));
      return runPromise;
    },
    shutdown,
    pendingWrites: () => writer.pending(),
  };
}

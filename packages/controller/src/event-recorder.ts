// An events.k8s.io/v1 Event recorder for controllers: `eventf` returns at once, the writes go out
// from a bounded queue in the background, and a failure is logged, never thrown. Follows
// k8s.io/client-go/tools/events (event_recorder.go makeEvent: name, namespace, eventTime;
// event_broadcaster.go recordToSink/attemptRecording/recordEvent: isomorphic events become one
// Event with a series, the second occurrence writes it at once, later ones are written by the
// 30-minute refresh or when the series ends after 6 quiet minutes; 12 tries 10 s + up to 25 %
// apart; a series is a strategic-merge PATCH of `series`)
// with the correlator of k8s.io/client-go/tools/record/events_cache.go (see event-correlator.ts).
import { hostname } from 'node:os';
import {
  createRateLimitedLogger,
  defaultLogger,
  realClock,
  type Clock,
  type KubeObject,
  type Logger,
  type TimerHandle,
} from '@kubecache/core';
import { isApiStatusError, type KubeConfigLike } from '@kubecache/listwatch';
import { createClientHttp } from './client-http.js';
import { patchContentTypes } from './client-patch.js';
import {
  createEventCorrelator,
  type EventCorrelatorOptions,
  type EventObjectReference,
  type EventRecord,
  type EventType,
} from './event-correlator.js';
import { truncateEventNote } from './event-note.js';
import { ControllerOptionsError, isAlreadyExistsError, isNotFoundError } from './errors.js';

/** What `regarding` and `related` take: an object with `apiVersion`, `kind` and `metadata`, or a reference. */
export type EventSubject = KubeObject | EventObjectReference;

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

interface Series {
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

type Outcome = 'done' | 'again' | 'retry' | 'drop';

const component = 'event-recorder';
const maxFieldChars = 128;
/** Longest object name: a DNS subdomain. */
const maxNameChars = 253;

/** Formats ms since the epoch as a metav1.MicroTime (RFC 3339 with 6 fraction digits, UTC). */
export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function referenceOf(subject: EventSubject): EventObjectReference {
  if ('metadata' in subject && typeof subject.metadata === 'object' && subject.metadata !== null) {
    const m = subject.metadata;
    return {
      apiVersion: subject.apiVersion,
      kind: subject.kind,
      namespace: m.namespace,
      name: m.name,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
    };
  }
  return subject;
}

/** The reference as the API stores it: set fields only, in ObjectReference's order. */
function wireReference(r: EventObjectReference): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of [
    'kind',
    'namespace',
    'name',
    'uid',
    'apiVersion',
    'resourceVersion',
    'fieldPath',
  ] as const) {
    const v = r[f];
    if (typeof v === 'string' && v !== '') out[f] = v;
  }
  return out;
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
  const client = createClientHttp(options.kubeConfig, options.userAgent ?? 'kubecache-events');

  const cache = new Map<string, Series>();
  const queue: Series[] = [];
  const retrying = new Set<Series>();
  const aborts = new Set<AbortController>();
  let inFlight = 0;
  let started = false;
  let stopped = false;
  let flushing = false;
  let nameSeq = 0;
  let finishTimer: TimerHandle | undefined;
  let refreshTimer: TimerHandle | undefined;
  let flushDone: (() => void) | undefined;
  let shutdownPromise: Promise<void> | undefined;
  let runPromise: Promise<void> | undefined;
  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });

  const describe = (s: Series): Record<string, unknown> => ({
    component,
    key: `${s.namespace}/${s.name}`,
    reason: s.body.reason,
    regarding: s.body.regarding,
  });

  function eventName(regardingName: string, now: number): string {
    nameSeq = (nameSeq + 1) % 1_000_000;
    const suffix = (BigInt(now) * 1_000_000n + BigInt(nameSeq)).toString(16);
    const base = regardingName.slice(0, maxNameChars - suffix.length - 1);
    return `${base}.${suffix}`;
  }

  function enqueue(s: Series, bypassBound = false): void {
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

  function start(s: Series): void {
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

  function settle(s: Series, outcome: Outcome): void {
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

  async function write(s: Series, signal: AbortSignal): Promise<Outcome> {
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
      if (existing.count === 2) enqueue(existing);
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
    const s: Series = {
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
    enqueue(s);
  }

  function shutdown(opts: { timeoutMs?: number | undefined } = {}): Promise<void> {
    if (shutdownPromise !== undefined) return shutdownPromise;
    const timeoutMs = opts.timeoutMs ?? shutdownTimeoutMs;
    stopped = true;
    finishTimer?.cancel();
    refreshTimer?.cancel();
    shutdownPromise = new Promise<void>((resolve) => {
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
    }).then(() => {
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
      startWriting();
      const stop = (): void => void shutdown();
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
      // Resolves once shut down, by the signal or by a direct shutdown().
      runPromise = closed.then(() => signal.removeEventListener('abort', stop));
      return runPromise;
    },
    shutdown,
    pendingWrites: () => queue.length + inFlight + retrying.size,
  };
}

// The correlation rules of the event recorder: which events are the same (one series), which are
// similar (folded into one "combined" event) and which are spam (dropped). Follows
// k8s.io/client-go/tools/record/events_cache.go (EventCorrelator: EventAggregator, the spam filter
// EventSourceObjectSpamFilter) with the isomorphic-event key of k8s.io/client-go/tools/events
// (event_broadcaster.go getKey), adapted to events.k8s.io/v1 fields.
import { realClock, type Clock } from '@kubecache/core';
import { ControllerOptionsError } from './errors.js';

/**
 * A reference to an object, as in `regarding` and `related` of an events.k8s.io/v1 Event
 * (core/v1 `ObjectReference`).
 */
export interface EventObjectReference {
  apiVersion?: string | undefined;
  kind?: string | undefined;
  namespace?: string | undefined;
  name?: string | undefined;
  uid?: string | undefined;
  resourceVersion?: string | undefined;
  fieldPath?: string | undefined;
}

/** `type` of an Event: the only two values the API accepts. */
export type EventType = 'Normal' | 'Warning';

/** One recorded event, before correlation: the fields of an events.k8s.io/v1 Event it becomes. */
export interface EventRecord {
  regarding: EventObjectReference;
  related?: EventObjectReference | undefined;
  type: EventType;
  reason: string;
  action: string;
  note: string;
  reportingController: string;
  reportingInstance: string;
}

/** Options of {@link createEventCorrelator}; the defaults are client-go's. */
export interface EventCorrelatorOptions {
  /** Time source of the token buckets and the aggregation window. Default: the real clock. */
  clock?: Clock | undefined;
  /** Events a reporter may send about one object at once (token bucket size). Default: 25. */
  spamBurst?: number | undefined;
  /** One more event is allowed per object every this many ms (bucket refill). Default: 300000. */
  spamRefillMs?: number | undefined;
  /**
   * Distinct notes of otherwise identical events within {@link aggregateWindowMs} after which
   * further ones are folded into one "(combined from similar events)" event. Default: 10.
   */
  aggregateMaxEvents?: number | undefined;
  /** Quiet time (ms) after which similar events count afresh. Default: 600000 (10 minutes). */
  aggregateWindowMs?: number | undefined;
  /** Objects (and similar-event groups) remembered, least recently used forgotten. Default: 4096. */
  maxEntries?: number | undefined;
}

/** The outcome of {@link EventCorrelator.correlate}. */
export type EventCorrelation =
  | {
      /** The event is dropped: its object's token bucket is empty. */
      readonly skip: true;
    }
  | {
      readonly skip: false;
      /** The event to record: the input, or the combined event replacing it. */
      readonly event: EventRecord;
      /** Events with the same key are one Event with a `series` (isomorphic events). */
      readonly key: string;
      /** True when `event` is the "(combined from similar events)" one. */
      readonly combined: boolean;
    };

/** Decides, for each recorded event, whether it is spam, and which series it belongs to. */
export interface EventCorrelator {
  /** Correlates one event at the clock's current time. Never throws. */
  correlate(event: EventRecord): EventCorrelation;
}

/** Prefix of the note of a combined event (client-go's EventAggregatorByReasonMessageFunc). */
export const combinedNotePrefix = '(combined from similar events): ';

/** A Map used as an LRU cache: `get` refreshes an entry, `set` evicts the oldest past `max`. */
class Lru<V> {
  readonly #map = new Map<string, V>();
  readonly #max: number;
  constructor(max: number) {
    this.#max = max;
  }
  get(key: string): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }
  set(key: string, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next();
      if (oldest.done !== true) this.#map.delete(oldest.value);
    }
  }
}

const refKey = (r: EventObjectReference | undefined): string[] =>
  r === undefined
    ? ['', '', '', '', '', '']
    : [
        r.apiVersion ?? '',
        r.kind ?? '',
        r.namespace ?? '',
        r.name ?? '',
        r.uid ?? '',
        r.fieldPath ?? '',
      ];

/** The reporter and the object: one token bucket per key (client-go getSpamKey). */
function spamKey(e: EventRecord): string {
  return JSON.stringify([e.reportingController, e.reportingInstance, ...refKey(e.regarding)]);
}

/** Everything but the note: events equal under this key are "similar". */
function similarKey(e: EventRecord): string {
  return JSON.stringify([
    e.reportingController,
    e.reportingInstance,
    ...refKey(e.regarding),
    ...refKey(e.related),
    e.type,
    e.reason,
    e.action,
  ]);
}

/**
 * The key of isomorphic events: reporter, regarding, related, type, reason, action and note.
 * The references' `resourceVersion` is left out, so events about successive revisions of one
 * object are one series.
 */
export function isomorphicEventKey(e: EventRecord): string {
  return JSON.stringify([similarKey(e), e.note]);
}

interface Bucket {
  tokens: number;
  at: number;
}

interface SimilarGroup {
  notes: Set<string>;
  lastMs: number;
}

/**
 * Creates the correlator of an event recorder, with client-go's rules:
 *
 * - spam filter (EventSourceObjectSpamFilter): a token bucket per reporter and regarding object,
 *   `spamBurst` (25) tokens, refilled one per `spamRefillMs` (5 minutes); every event takes one,
 *   an event finding the bucket empty is skipped;
 * - aggregation (EventAggregator): events that differ only in their note are similar; once
 *   `aggregateMaxEvents` (10) distinct notes were seen with no gap over `aggregateWindowMs`
 *   (10 minutes), each further one is replaced by an event whose note is
 *   `(combined from similar events): <its note>`, all of them under one key (one series);
 * - identical events (same {@link isomorphicEventKey}) share a key: the recorder makes them one
 *   Event with a `series`.
 *
 * As client-go, aggregation is decided before the spam filter, which sees every event (repeats
 * included). Caches are LRUs of `maxEntries` (4096) entries.
 *
 * Differs from client-go: the events.k8s.io/v1 recorder (tools/events) keys isomorphic events
 * without the note (a different note joins the series and is lost) and neither aggregates nor
 * filters spam; this correlator keys with the note and applies the core/v1 correlator's
 * aggregation and spam filter, keyed by reportingController/reportingInstance instead of
 * `source`, and with `action` and `related` in the similarity key.
 *
 * @throws ControllerOptionsError when an option is not a positive finite number.
 */
export function createEventCorrelator(options: EventCorrelatorOptions = {}): EventCorrelator {
  const clock = options.clock ?? realClock;
  const burst = positive('spamBurst', options.spamBurst ?? 25);
  const refillMs = positive('spamRefillMs', options.spamRefillMs ?? 300_000);
  const maxSimilar = positive('aggregateMaxEvents', options.aggregateMaxEvents ?? 10);
  const windowMs = positive('aggregateWindowMs', options.aggregateWindowMs ?? 600_000);
  const maxEntries = positive('maxEntries', options.maxEntries ?? 4096);
  const buckets = new Lru<Bucket>(maxEntries);
  const groups = new Lru<SimilarGroup>(maxEntries);

  function tryAccept(key: string, now: number): boolean {
    const b = buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + Math.max(0, now - b.at) / refillMs);
    b.at = now;
    buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  return {
    correlate(input) {
      const now = clock.now();
      const gKey = similarKey(input);
      let group = groups.get(gKey);
      if (group === undefined || now - group.lastMs > windowMs) {
        group = { notes: new Set(), lastMs: now };
      }
      group.notes.add(input.note);
      group.lastMs = now;
      groups.set(gKey, group);
      let result: EventCorrelation;
      if (group.notes.size < maxSimilar) {
        result = { skip: false, event: input, key: isomorphicEventKey(input), combined: false };
      } else {
        // Keep the set from growing past the threshold (client-go pops any one).
        const first = group.notes.values().next();
        if (first.done !== true) group.notes.delete(first.value);
        const event = { ...input, note: combinedNotePrefix + input.note };
        result = { skip: false, event, key: JSON.stringify([gKey, 'combined']), combined: true };
      }
      return tryAccept(spamKey(input), now) ? result : { skip: true };
    },
  };
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new ControllerOptionsError(name, `must be a positive number, got ${String(value)}`);
  }
  return value;
}

// Fault injection for the in-process API server: the switches tests flip (canned answers, watch
// stalls, resets, hidden events, stale lists, down/up) and the state the request paths consult.
// The drop-watch knobs play the part of client-go's tools/cache/testing/fake_controller_source.go.
import type { ServerResponse } from 'node:http';
import type { RequestVerb } from './request-log.js';
import { resourceIdOf, type ResourceRef } from './resources.js';
import { failure } from './status.js';
import { sendStatus } from './wire.js';
import type { WatchHub } from './watch.js';

/** A canned answer for the next matching requests. */
export interface InjectedResponse {
  /** HTTP status, e.g. 429, 500, 503, 410. */
  status: number;
  /** Sent as the Retry-After header and in the Status details. */
  retryAfterSeconds?: number;
  /** Only requests of this verb are answered (default: list and watch). */
  verb?: RequestVerb;
  /** Only requests for this resource: an id (`pods`) or a definition (default: any). */
  resource?: ResourceRef;
  /** A raw body to send instead of a Status object (e.g. an HTML error page or a truncated JSON). */
  body?: string;
  /** Content-Type of `body`. Default: `application/json`. */
  contentType?: string;
}

/**
 * What a fault setup returns: `clear()` undoes that setup (canned answers not yet used are
 * dropped, a counter goes back to 0, a switch goes off), so a fault set up for one test step
 * does not outlive it. Clearing twice, or after the fault was used up, does nothing. A handle
 * of a single-slot fault (`staleLists`, `latency`, …) that a later call of the same method has
 * replaced clears nothing: the later setting stays.
 */
export interface FaultHandle {
  /** Undoes this fault setup (idempotent). */
  clear(): void;
}

/**
 * Fault injection. Every switch applies to the server as a whole; "watches" means the watch
 * streams open at the time of the call unless stated otherwise. Each setup that lasts beyond
 * the call returns a {@link FaultHandle}; {@link Faults.clear} undoes all of them at once.
 */
export interface Faults {
  /** Destroys the sockets of open watches (connection reset mid-stream). */
  resetWatches(): void;
  /** Ends open watches cleanly (as a server-side timeout would). */
  endWatches(): void;
  /** Stops writing to open watches while keeping their sockets open (a half-open stall). Events they miss stay in history. */
  stallWatches(): void;
  /** Makes the next `count` watches send headers and then nothing at all (headers, then stall). */
  stallNextWatches(count: number): FaultHandle;
  /** Writes `data` verbatim to every open watch (malformed or truncated lines, invalid UTF-8 bytes). */
  writeRawToWatches(data: string | Buffer): void;
  /** Sends an ERROR event with a 410 Expired Status to open watches and ends them. */
  expireWatches(): void;
  /**
   * Answers the next `count` matching requests with `response`. Several calls queue up; the
   * handle drops this call's answers not yet used (e.g. `nextResponses(1000, …)` for one step).
   */
  nextResponses(count: number, response: InjectedResponse): FaultHandle;
  /** The next `count` watches end right after their headers (very short watches). */
  shortWatches(count: number): FaultHandle;
  /** While on, new events are not delivered to watches that are open now or later (events hidden from watchers); history keeps them. */
  hideEventsFromWatchers(on: boolean): FaultHandle;
  /** Drops the next `count` events for every watcher (never delivered; history keeps them). */
  dropEventsForWatchers(count: number): FaultHandle;
  /** While on, WatchList streams omit the `k8s.io/initial-events-end` bookmark. */
  omitInitialEventsEnd(on: boolean): FaultHandle;
  /** The next `count` lists are served as of revision `rv` (a stale cache read), if still in history. */
  staleLists(count: number, rv: number): FaultHandle;
  /** The next list is served as of revision `rv` (shorthand for `staleLists(1, rv)`). */
  staleList(rv: number): FaultHandle;
  /**
   * Delays the answer to every request except watches by `ms` (0 turns it off), optionally only
   * for one verb or resource: a slow or overloaded apiserver (e.g. a lease renewal that takes
   * longer than the renew deadline).
   */
  latency(ms: number, filter?: RequestFilter): FaultHandle;
  /**
   * The next `count` matching requests (any verb but watch) are never answered: the socket stays
   * open until the client gives up or the server closes (a hung apiserver).
   */
  stallNextRequests(count: number, filter?: RequestFilter): FaultHandle;
  /**
   * Undoes every fault setup above at once: canned answers, stale lists, latency, the
   * next-watch and next-request counters, dropped and hidden events, the omitted
   * initial-events-end bookmark. Watches already stalled, requests already hanging and a server
   * that is down stay so (end them with `endWatches`/`resetWatches`, bring it back with `up`).
   */
  clear(): void;
  /** Takes the server down: closes the listener and every connection; new connections are refused. */
  down(): Promise<void>;
  /** Brings the server back on the same port. */
  up(): Promise<void>;
}

/** Which requests a fault applies to; an unset field matches everything. */
export interface RequestFilter {
  /** Only requests of this verb. */
  verb?: RequestVerb;
  /**
   * Only requests for this resource: an id (`pods`, `leases.coordination.k8s.io`) or a
   * definition (`podsResource`, a `defineResource` CRD).
   */
  resource?: ResourceRef;
}

const matches = (f: RequestFilter | undefined, verb: RequestVerb, resource: string): boolean =>
  f === undefined ||
  ((f.verb === undefined || f.verb === verb) &&
    (f.resource === undefined || resourceIdOf(f.resource) === resource));

/** The single-slot faults: a later setting replaces an earlier one. */
type Slot =
  | 'shortWatches'
  | 'stallNextWatches'
  | 'hideEvents'
  | 'dropEvents'
  | 'omitInitialEventsEnd'
  | 'stale'
  | 'latency'
  | 'stalls';

const noFault: FaultHandle = { clear: () => undefined };

/** The fault switches as the request paths read them. */
export class FaultState {
  /** Which setting holds each slot now (a handle clears its slot only while it holds it). */
  private readonly holders = new Map<Slot, object>();
  private readonly injected: (InjectedResponse & { remaining: number })[] = [];
  /** Watches left that end right after their headers. */
  shortWatchesLeft = 0;
  /** Watches left that stall right after their headers. */
  stallNextLeft = 0;
  /** Whether new events are hidden from watchers. */
  hideEvents = false;
  /** Events left to drop for every watcher. */
  dropEvents = 0;
  /** Whether WatchList streams omit the initial-events-end bookmark. */
  omitInitialEventsEnd = false;
  private stale: { remaining: number; rv: number } | undefined;
  private latency: { ms: number; filter: RequestFilter | undefined } = {
    ms: 0,
    filter: undefined,
  };
  private stalls: { remaining: number; filter: RequestFilter | undefined } = {
    remaining: 0,
    filter: undefined,
  };

  /**
   * Records a new setting of `slot` and returns its handle: `clear()` runs `reset` while this
   * setting still holds the slot.
   */
  hold(slot: Slot, reset: () => void): FaultHandle {
    const holder = {};
    this.holders.set(slot, holder);
    return {
      clear: () => {
        if (this.holders.get(slot) !== holder) return;
        this.holders.delete(slot);
        reset();
      },
    };
  }

  /** Undoes every fault setting (see `Faults.clear`). */
  clearAll(): void {
    this.holders.clear();
    this.injected.length = 0;
    this.shortWatchesLeft = 0;
    this.stallNextLeft = 0;
    this.hideEvents = false;
    this.dropEvents = 0;
    this.omitInitialEventsEnd = false;
    this.stale = undefined;
    this.latency = { ms: 0, filter: undefined };
    this.stalls = { remaining: 0, filter: undefined };
  }

  /** Sets the latency of non-watch requests. */
  setLatency(ms: number, filter?: RequestFilter): FaultHandle {
    if (!(ms >= 0) || !Number.isFinite(ms))
      throw new RangeError(`latency must be ≥ 0 ms, got ${ms}`);
    this.latency = { ms, filter };
    return this.hold('latency', () => (this.latency = { ms: 0, filter: undefined }));
  }

  /** The delay for a request, in ms (0 for watches). */
  latencyFor(verb: RequestVerb, resource: string): number {
    if (verb === 'watch' || this.latency.ms === 0) return 0;
    return matches(this.latency.filter, verb, resource) ? this.latency.ms : 0;
  }

  /** Stalls the next `count` matching non-watch requests. */
  setStalls(count: number, filter?: RequestFilter): FaultHandle {
    this.stalls = { remaining: count, filter };
    return this.hold('stalls', () => (this.stalls = { remaining: 0, filter: undefined }));
  }

  /** Whether this request must never be answered (counts it down). */
  takeStall(verb: RequestVerb, resource: string): boolean {
    if (verb === 'watch' || this.stalls.remaining <= 0) return false;
    if (!matches(this.stalls.filter, verb, resource)) return false;
    this.stalls.remaining--;
    return true;
  }

  /** Queues a canned answer for the next `count` matching requests; the handle unqueues it. */
  inject(count: number, response: InjectedResponse): FaultHandle {
    if (count <= 0) return noFault;
    const entry = { ...response, remaining: count };
    this.injected.push(entry);
    return {
      clear: () => {
        const i = this.injected.indexOf(entry);
        if (i >= 0) this.injected.splice(i, 1);
      },
    };
  }

  /** Takes the canned answer for a request, if one matches (and counts it down). */
  takeInjected(verb: RequestVerb, resource: string): InjectedResponse | undefined {
    const inj = this.injected.find(
      (x) =>
        x.remaining > 0 &&
        (x.verb === undefined ? verb === 'list' || verb === 'watch' : x.verb === verb) &&
        (x.resource === undefined || resourceIdOf(x.resource) === resource),
    );
    if (inj === undefined) return undefined;
    inj.remaining--;
    if (inj.remaining === 0) this.injected.splice(this.injected.indexOf(inj), 1);
    return inj;
  }

  /** Serves the next `count` lists at revision `rv`. */
  setStale(count: number, rv: number): FaultHandle {
    this.stale = { remaining: count, rv };
    return this.hold('stale', () => (this.stale = undefined));
  }

  /** Sets one of the public counters the watch paths read, with its handle. */
  set(
    key: 'shortWatchesLeft' | 'stallNextLeft' | 'dropEvents',
    slot: Slot,
    value: number,
  ): FaultHandle;
  /** Sets one of the public switches the watch paths read, with its handle. */
  set(key: 'hideEvents' | 'omitInitialEventsEnd', slot: Slot, value: boolean): FaultHandle;
  set(
    key:
      'shortWatchesLeft' | 'stallNextLeft' | 'dropEvents' | 'hideEvents' | 'omitInitialEventsEnd',
    slot: Slot,
    value: number | boolean,
  ): FaultHandle {
    const off = typeof value === 'number' ? 0 : false;
    (this as Record<typeof key, number | boolean>)[key] = value;
    return this.hold(slot, () => ((this as Record<typeof key, number | boolean>)[key] = off));
  }

  /** The stale revision the next list must be served at, if any (counts it down). */
  takeStaleRv(): number | undefined {
    if (this.stale === undefined || this.stale.remaining <= 0) return undefined;
    this.stale.remaining--;
    return this.stale.rv;
  }
}

/** The reason kube-apiserver gives each code (apimachinery's StatusReason for that code). */
const injectedReasons: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** Sends a canned answer: its raw body, or a Status with the usual reason for its code. */
export function sendInjected(res: ServerResponse, inj: InjectedResponse): void {
  const retryHeader: Record<string, string> =
    inj.retryAfterSeconds !== undefined ? { 'Retry-After': String(inj.retryAfterSeconds) } : {};
  if (inj.body !== undefined) {
    res.writeHead(inj.status, {
      'Content-Type': inj.contentType ?? 'application/json',
      ...retryHeader,
    });
    res.end(inj.body);
    return;
  }
  const reason = injectedReasons[inj.status] ?? 'Unknown';
  sendStatus(
    res,
    failure(
      inj.status,
      reason,
      `injected ${inj.status} ${reason}`,
      inj.retryAfterSeconds !== undefined
        ? { retryAfterSeconds: inj.retryAfterSeconds }
        : undefined,
    ),
  );
}

/** Builds the {@link Faults} API over the fault state, the watches and the server's lifecycle. */
export function createFaults(deps: {
  state: FaultState;
  watches: WatchHub;
  down: () => Promise<void>;
  up: () => Promise<void>;
}): Faults {
  const { state, watches } = deps;
  return {
    resetWatches: () => watches.resetAll(),
    endWatches: () => watches.endAll(),
    stallWatches: () => watches.stallAll(),
    stallNextWatches: (count) => state.set('stallNextLeft', 'stallNextWatches', count),
    writeRawToWatches: (data) => watches.writeRawToAll(data),
    expireWatches: () => watches.expireAll(),
    nextResponses: (count, response) => state.inject(count, response),
    shortWatches: (count) => state.set('shortWatchesLeft', 'shortWatches', count),
    hideEventsFromWatchers: (on) => state.set('hideEvents', 'hideEvents', on),
    dropEventsForWatchers: (count) => state.set('dropEvents', 'dropEvents', count),
    omitInitialEventsEnd: (on) => state.set('omitInitialEventsEnd', 'omitInitialEventsEnd', on),
    staleLists: (count, rv) => state.setStale(count, rv),
    staleList: (rv) => state.setStale(1, rv),
    latency: (ms, filter) => state.setLatency(ms, filter),
    stallNextRequests: (count, filter) => state.setStalls(count, filter),
    clear: () => state.clearAll(),
    down: deps.down,
    up: deps.up,
  };
}

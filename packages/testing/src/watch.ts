// WATCH for the in-process API server: NDJSON over chunked HTTP, resume from a revision in
// history, synthetic ADDED for RV unset/"0", bookmarks, WatchList (sendInitialEvents) with the
// initial-events-end bookmark, timeouts, and the live fan-out of committed changes to every open
// watch. Semantics follow kube-apiserver's watch cache (k8s.io/apiserver pkg/storage/cacher).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Cluster, ChangeEvent } from './cluster.js';
import { Entry } from './entry.js';
import type { FaultState } from './faults.js';
import type { ResourceStore } from './resources.js';
import { compileFilter, type ObjectFilter } from './selectors.js';
import { failure, invalid, isServerApiError, tooLargeResourceVersion } from './status.js';
import { apiVersionOf } from './wire.js';
import { parseResourceVersion } from './list-options.js';
import type { ResponseFormat } from './list.js';
import { renderTable } from './table.js';

const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

interface Watcher {
  res: ServerResponse;
  resource: string;
  /** Kind and apiVersion of the watched objects (for bookmarks). */
  kindName: string;
  apiVersion: string;
  namespace: string | undefined;
  filter: ObjectFilter;
  metaOnly: boolean;
  /**
   * Table watches (kubectl get -w): every event's object is a Table with one row; only the first
   * event carries columnDefinitions (`null` afterwards), as kube-apiserver's watch encoder sets
   * NoHeaders after its first event (apiserver pkg/endpoints/handlers/response.go).
   */
  table:
    | {
        store: ResourceStore;
        format: Extract<ResponseFormat, { kind: 'table' }>;
        headersSent: boolean;
      }
    | undefined;
  stalled: boolean;
  /** Still writing its initial snapshot: live events wait in history until it is out. */
  pending: boolean;
  /** Events with rv ≤ this were already sent (replay) — live events at or below are skipped. */
  sentUpTo: number;
  bookmarkTimer: NodeJS.Timeout | undefined;
  timeoutTimer: NodeJS.Timeout | undefined;
  close(): void;
}

/** One serialised watch event line. */
function eventLine(type: string, entry: Entry, metaOnly: boolean): string {
  return metaOnly
    ? `{"type":"${type}","object":${entry.metaJson()}}\n`
    : `{"type":"${type}","object":${entry.json}}\n`;
}

/** The event line watcher `w` gets for `entry`: a one-row Table for Table watches. */
function lineFor(w: Watcher, type: string, entry: Entry): string {
  const t = w.table;
  if (t === undefined) return eventLine(type, entry, w.metaOnly);
  const { head, rows } = renderTable(
    t.store,
    [entry],
    { resourceVersion: entry.obj.metadata?.resourceVersion ?? '' },
    t.format.version,
    t.format.include,
    { noHeaders: t.headersSent },
  );
  t.headersSent = true;
  return `{"type":"${type}","object":${head}${rows.join(',')}]}}\n`;
}

/**
 * A BOOKMARK line: an object of the watched kind carrying only metadata (a Table of it on Table
 * watches, as kube-apiserver transforms bookmarks like any other event).
 */
function bookmarkLine(w: Watcher, metadata: Record<string, unknown>): string {
  const obj = { kind: w.kindName, apiVersion: w.apiVersion, metadata };
  return w.table !== undefined
    ? lineFor(w, 'BOOKMARK', new Entry(obj))
    : `{"type":"BOOKMARK","object":${JSON.stringify(obj)}}\n`;
}

/** What a watcher with a filter sees of a change: selector transitions become ADDED/DELETED. */
function visibleType(w: Watcher, ev: ChangeEvent): 'ADDED' | 'MODIFIED' | 'DELETED' | undefined {
  const match = (e: Entry | undefined): boolean =>
    e !== undefined &&
    (w.namespace === undefined || (e.view.metadata?.namespace ?? '') === w.namespace) &&
    (w.filter === undefined || w.filter(e.view));
  if (ev.type === 'ADDED') return match(ev.entry) ? 'ADDED' : undefined;
  if (ev.type === 'DELETED') return match(ev.prev) || match(ev.entry) ? 'DELETED' : undefined;
  const was = match(ev.prev);
  const is = match(ev.entry);
  if (was && is) return 'MODIFIED';
  if (is) return 'ADDED';
  if (was) return 'DELETED';
  return undefined;
}

/** The open watches of a server and the fan-out of committed changes to them. */
export class WatchHub {
  private readonly watchers = new Set<Watcher>();

  private readonly cluster: Cluster;
  private readonly faults: FaultState;
  private readonly bookmarkIntervalMs: number;

  constructor(cluster: Cluster, faults: FaultState, bookmarkIntervalMs: number) {
    this.cluster = cluster;
    this.faults = faults;
    this.bookmarkIntervalMs = bookmarkIntervalMs;
    cluster.onChange((ev) => {
      this.fanOut(ev);
    });
  }

  /** Number of open watches. */
  get size(): number {
    return this.watchers.size;
  }

  private fanOut(ev: ChangeEvent): void {
    if (this.faults.hideEvents) return;
    if (this.faults.dropEvents > 0) {
      this.faults.dropEvents--;
      return;
    }
    const lines = new Map<string, string>();
    for (const w of this.watchers) {
      if (w.resource !== ev.resource || w.stalled || w.pending || ev.rv <= w.sentUpTo) continue;
      this.send(w, ev, lines);
    }
  }

  /**
   * Writes what watcher `w` sees of `ev`. `lines` caches the serialised lines of one event so that
   * every watcher of a live event shares one string per (type, projection) instead of building its own.
   */
  private send(w: Watcher, ev: ChangeEvent, lines?: Map<string, string>): void {
    const type = visibleType(w, ev);
    if (type === undefined) return;
    if (w.table !== undefined) {
      w.res.write(lineFor(w, type, ev.entry));
      return;
    }
    const cacheKey = w.metaOnly ? `m${type}` : type;
    let line = lines?.get(cacheKey);
    if (line === undefined) {
      line = eventLine(type, ev.entry, w.metaOnly);
      lines?.set(cacheKey, line);
    }
    w.res.write(line);
  }

  private forEach(fn: (w: Watcher) => void): void {
    for (const w of [...this.watchers]) fn(w);
  }

  /** Destroys the sockets of open watches. */
  resetAll(): void {
    this.forEach((w) => {
      w.close();
      w.res.socket?.destroy();
    });
  }

  /** Ends open watches cleanly. */
  endAll(): void {
    this.forEach((w) => {
      w.close();
      w.res.end();
    });
  }

  /** Stops writing to open watches. */
  stallAll(): void {
    this.forEach((w) => (w.stalled = true));
  }

  /** Writes raw bytes to open watches. */
  writeRawToAll(data: string | Buffer): void {
    this.forEach((w) => w.res.write(data));
  }

  /** Sends ERROR 410 Expired to open watches and ends them. */
  expireAll(): void {
    this.forEach((w) => {
      w.close();
      w.res.end(
        `{"type":"ERROR","object":${JSON.stringify(failure(410, 'Expired', `too old resource version: ${w.sentUpTo} (${this.cluster.currentRv()})`))}}\n`,
      );
    });
  }

  /** Forgets every watch (their sockets are closed by the server). */
  closeAll(): void {
    this.forEach((w) => w.close());
  }

  /**
   * Writes a watch's initial events (the captured `entries`, as ADDED) honouring backpressure,
   * then `end` (the initial-events-end bookmark) if given, then the events committed meanwhile
   * (from history, as kube-apiserver's cacher replays its buffer after the initial events), and
   * only then lets live events through. Stops when the watch is closed.
   */
  private async writeSnapshot(
    w: Watcher,
    entries: Entry[],
    end: (() => string) | undefined,
  ): Promise<void> {
    const { res } = w;
    const open = (): boolean => this.watchers.has(w) && !res.destroyed;
    for (const e of entries) {
      if (!open()) return;
      if (!res.write(lineFor(w, 'ADDED', e))) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
    }
    if (!open() || w.stalled) return;
    if (end) res.write(end());
    let later: ChangeEvent[];
    try {
      later = this.cluster.eventsAfter(w.resource, w.sentUpTo);
    } catch (err) {
      w.close();
      if (isServerApiError(err))
        res.end(`{"type":"ERROR","object":${JSON.stringify(err.status)}}\n`);
      else res.destroy(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (!this.faults.hideEvents) for (const ev of later) this.send(w, ev);
    w.sentUpTo = this.cluster.currentRv();
    w.pending = false;
  }

  /** Serves a watch request on collection `r` (optionally in `namespace`). */
  serve(
    req: IncomingMessage,
    res: ServerResponse,
    r: ResourceStore,
    namespace: string | undefined,
    q: URLSearchParams,
    format: ResponseFormat,
  ): void {
    const { cluster, faults } = this;
    const metaOnly = format.kind === 'meta';
    const filter = compileFilter(r.def.resource, q.get('labelSelector'), q.get('fieldSelector'));
    const rv = parseResourceVersion(q.get('resourceVersion'));
    const bookmarks =
      q.get('allowWatchBookmarks') === 'true' || q.get('allowWatchBookmarks') === '1';
    const sendInitial = q.get('sendInitialEvents') === 'true';
    const timeoutSeconds = Number(q.get('timeoutSeconds') ?? '0') || 0;
    if (sendInitial) {
      if (q.get('resourceVersionMatch') !== 'NotOlderThan') {
        throw invalid(r.id, '', [
          {
            reason: 'FieldValueInvalid',
            field: 'resourceVersionMatch',
            message: 'sendInitialEvents requires resourceVersionMatch=NotOlderThan',
          },
        ]);
      }
      if (!bookmarks) {
        throw invalid(r.id, '', [
          {
            reason: 'FieldValueInvalid',
            field: 'allowWatchBookmarks',
            message: 'sendInitialEvents requires allowWatchBookmarks=true',
          },
        ]);
      }
    }
    if (rv !== undefined && rv > cluster.currentRv())
      throw tooLargeResourceVersion(rv, cluster.currentRv());
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    if (faults.shortWatchesLeft > 0) {
      faults.shortWatchesLeft--;
      res.end();
      return;
    }
    const watchers = this.watchers;
    const w: Watcher = {
      res,
      resource: r.id,
      kindName: r.def.kind,
      apiVersion: apiVersionOf(r),
      namespace,
      filter,
      metaOnly,
      table: format.kind === 'table' ? { store: r, format, headersSent: false } : undefined,
      stalled: false,
      pending: false,
      sentUpTo: cluster.currentRv(),
      bookmarkTimer: undefined,
      timeoutTimer: undefined,
      close() {
        if (!watchers.delete(w)) return;
        clearInterval(w.bookmarkTimer);
        clearTimeout(w.timeoutTimer);
      },
    };
    if (faults.stallNextLeft > 0) {
      faults.stallNextLeft--;
      w.stalled = true;
    }
    const inNs = (e: Entry): boolean =>
      namespace === undefined || (e.view.metadata?.namespace ?? '') === namespace;
    const initialEventsEnd = (): string =>
      bookmarkLine(w, {
        resourceVersion: String(w.sentUpTo),
        annotations: { [INITIAL_EVENTS_END]: 'true' },
      });
    watchers.add(w);
    if (!w.stalled) {
      if (sendInitial || rv === undefined || rv === 0) {
        // The state at this revision, captured now (entries are replaced, never mutated, on
        // write), then written with backpressure: a snapshot of 150k pods is ~860 MB of lines.
        const entries: Entry[] = [];
        for (const key of r.sortedKeys()) {
          const e = r.items.get(key)!;
          if (inNs(e) && (!filter || filter(e.view))) entries.push(e);
        }
        w.pending = true;
        void this.writeSnapshot(
          w,
          entries,
          sendInitial && !faults.omitInitialEventsEnd ? initialEventsEnd : undefined,
        );
      } else {
        let events: ChangeEvent[];
        try {
          events = cluster.eventsAfter(r.id, rv);
        } catch (err) {
          w.close();
          if (isServerApiError(err)) {
            res.end(`{"type":"ERROR","object":${JSON.stringify(err.status)}}\n`);
            return;
          }
          throw err;
        }
        for (const ev of events) this.send(w, ev);
      }
    }
    if (bookmarks) {
      w.bookmarkTimer = setInterval(() => {
        if (w.stalled || w.pending) return;
        res.write(bookmarkLine(w, { resourceVersion: String(cluster.currentRv()) }));
      }, this.bookmarkIntervalMs);
    }
    if (timeoutSeconds > 0) {
      w.timeoutTimer = setTimeout(() => {
        w.close();
        res.end();
      }, timeoutSeconds * 1000);
    }
    const onGone = (): void => w.close();
    req.on('close', onGone);
    res.on('close', onGone);
    res.on('error', onGone);
  }
}

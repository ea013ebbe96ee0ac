// LIST for the in-process API server: selectors, namespace ranges over sorted keys, limit/continue
// with opaque tokens consistent at the first page's revision, resourceVersion/resourceVersionMatch
// (the revision and page size come from list-options.ts, which follows kube-apiserver's watch
// cache), 410 for compacted tokens, and bodies streamed from per-object cached JSON.
import type { ServerResponse } from 'node:http';
import type { Cluster } from './cluster.js';
import type { Entry } from './entry.js';
import type { FaultState } from './faults.js';
import type { ResourceStore } from './resources.js';
import { compileFilter } from './selectors.js';
import { encodeContinue, planList, type ListPaging } from './list-options.js';
import { expired, tooLargeResourceVersion } from './status.js';
import { renderTable, type IncludeObject } from './table.js';
import { apiVersionOf, writeJoined } from './wire.js';

/** How a read is rendered: the objects, their metadata only, or a meta.k8s.io Table. */
export type ResponseFormat =
  | { kind: 'json' }
  | { kind: 'meta' }
  | { kind: 'table'; version: 'v1' | 'v1beta1'; include: IncludeObject };

/** Index of the first key ≥ `k` in sorted `keys`. */
function lowerBound(keys: readonly string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first key > `k` in sorted `keys`. */
function upperBound(keys: readonly string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid]! <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The smallest string greater than every string that starts with `prefix` (`"ns/"` → `"ns0"`). */
function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

interface Snapshot {
  state: ReadonlyMap<string, Entry>;
  keys: readonly string[];
}

/** Serves list requests. */
export class ListServer {
  /** Sorted-key snapshots of past revisions, reused by the pages of one paginated list. */
  private readonly snapshots = new Map<string, Snapshot>();

  private readonly cluster: Cluster;
  private readonly faults: FaultState;
  private readonly paging: ListPaging;

  constructor(cluster: Cluster, faults: FaultState, paging: ListPaging) {
    this.cluster = cluster;
    this.faults = faults;
    this.paging = paging;
  }

  private snapshotAt(r: ResourceStore, at: number): Snapshot {
    const id = `${r.id}@${at}`;
    const cached = this.snapshots.get(id);
    // A past revision's state never changes, but it may have been compacted away meanwhile.
    if (cached !== undefined && at >= this.cluster.compactedRv) return cached;
    const state = this.cluster.stateAt(r, at);
    if (state === r.items) return { state, keys: r.sortedKeys() };
    let snap = cached;
    if (snap === undefined) {
      snap = { state, keys: [...state.keys()].sort() };
      this.snapshots.set(id, snap);
      // Keep a few: concurrent paginated lists at different revisions.
      if (this.snapshots.size > 4) this.snapshots.delete(this.snapshots.keys().next().value!);
    }
    return snap;
  }

  /** Serves a list request on collection `r` (optionally in `namespace`). */
  async serve(
    res: ServerResponse,
    r: ResourceStore,
    namespace: string | undefined,
    q: URLSearchParams,
    format: ResponseFormat,
  ): Promise<void> {
    const metaOnly = format.kind === 'meta';
    const { cluster } = this;
    const filter = compileFilter(r.def.resource, q.get('labelSelector'), q.get('fieldSelector'));
    const plan = planList(q, this.paging);
    const { limit, continueFrom } = plan;
    let at: number;
    if (plan.at === 'latest') {
      if (plan.notOlderThan > cluster.currentRv())
        throw tooLargeResourceVersion(plan.notOlderThan, cluster.currentRv());
      at = cluster.currentRv();
    } else {
      if (continueFrom !== undefined && continueFrom.rv < cluster.compactedRv) {
        throw expired(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        );
      }
      at = plan.at;
    }
    if (continueFrom === undefined) {
      const staleRv = this.faults.takeStaleRv();
      if (staleRv !== undefined && staleRv >= cluster.compactedRv && staleRv <= cluster.currentRv())
        at = staleRv;
    }
    const start = continueFrom?.start ?? '';
    const { state, keys } = this.snapshotAt(r, at);
    const nsPrefix = namespace !== undefined ? `${namespace}/` : undefined;
    // The namespace's keys are one contiguous range of the sorted keys.
    let i = Math.max(
      start !== '' ? upperBound(keys, start) : 0,
      nsPrefix !== undefined ? lowerBound(keys, nsPrefix) : 0,
    );
    const end = nsPrefix !== undefined ? lowerBound(keys, prefixEnd(nsPrefix)) : keys.length;
    const pieces: string[] = [];
    const entries: Entry[] = [];
    let count = 0;
    let lastKey = '';
    for (; i < end; i++) {
      const key = keys[i]!;
      const e = state.get(key)!;
      if (filter && !filter(e.view)) continue;
      if (limit > 0 && count === limit) break;
      if (format.kind === 'table') entries.push(e);
      else pieces.push(metaOnly ? e.metaJson() : e.json);
      count++;
      lastKey = key;
    }
    let more = false;
    let remaining = 0;
    if (limit > 0 && i < end) {
      if (filter) {
        // kube-apiserver omits remainingItemCount with selectors: only find out whether more exist.
        for (let j = i; j < end && !more; j++) more = filter(state.get(keys[j]!)!.view);
      } else {
        more = true;
        remaining = end - i;
      }
    }
    const listMeta: Record<string, unknown> = { resourceVersion: String(at) };
    if (more) {
      listMeta.continue = encodeContinue({ rv: at, start: lastKey });
      if (!filter) listMeta.remainingItemCount = remaining;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    if (format.kind === 'table') {
      const table = renderTable(r, entries, listMeta, format.version, format.include);
      res.write(table.head);
      if (!(await writeJoined(res, table.rows))) return;
      res.end(']}');
      return;
    }
    const kind = metaOnly ? 'PartialObjectMetadataList' : `${r.def.kind}List`;
    const apiVersion = metaOnly ? 'meta.k8s.io/v1' : apiVersionOf(r);
    res.write(
      `{"kind":"${kind}","apiVersion":"${apiVersion}","metadata":${JSON.stringify(listMeta)},"items":[`,
    );
    // The page is chosen synchronously (references to the cached JSON of each object, not copies),
    // so writes that land while the body streams cannot tear it. Then stream the items in slices,
    // never one giant string, and respect backpressure so that an unpaginated list of 100k pods
    // is not buffered whole in the socket.
    if (!(await writeJoined(res, pieces))) return;
    res.end(']}');
  }
}

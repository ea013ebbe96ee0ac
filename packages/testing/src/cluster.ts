// The storage of the in-process API server: objects per resource, one global resource version
// counter (like etcd's revision), a bounded event history for watch resume and consistent paging,
// and compaction. Semantics follow kube-apiserver's storage layer (apiserver/pkg/storage/cacher and
// etcd3): every write gets the next revision; a DELETED event carries the object at the deletion's
// revision; history older than the compacted revision is gone (410 Expired).
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '@kubecache/core';
import { Entry } from './entry.js';
import { jsonPatch, mergePatch, type JsonPatchOp } from './patches.js';
import { keyOf, resourceId, ResourceStore, type ResourceDefinition } from './resources.js';
import {
  alreadyExists,
  conflict,
  expired,
  invalid,
  notFound,
  tooLargeResourceVersion,
} from './status.js';

/** The result of a write: the stored entry and the object it was serialised from (not retained by the store, so the caller may keep or mutate it). */
export interface Written {
  readonly entry: Entry;
  readonly obj: KubeObject;
}

/** A change in history. `prev` is the entry before the change (MODIFIED, DELETED). */
export interface ChangeEvent {
  readonly rv: number;
  readonly resource: string;
  readonly key: string;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly entry: Entry;
  readonly prev: Entry | undefined;
}

/** Receives every committed change (the watch fan-out). */
export type ChangeListener = (ev: ChangeEvent) => void;

const entryOf = (obj: KubeObject): Entry => new Entry(obj);

/** All state of the fake cluster. */
export class Cluster {
  private rv = 1;
  private readonly resources = new Map<string, ResourceStore>();
  private history: ChangeEvent[] = [];
  private historyHead = 0;
  /** Revisions at or below this are compacted away. */
  compactedRv = 0;
  readonly historySize: number;
  private readonly listeners = new Set<ChangeListener>();
  private nameCounter = 0;

  constructor(options: { historySize: number; resources: readonly ResourceDefinition[] }) {
    this.historySize = options.historySize;
    for (const def of options.resources) this.register(def);
  }

  /** Current revision. */
  currentRv(): number {
    return this.rv;
  }

  /** Registers (or replaces the definition of) a resource. */
  register(def: ResourceDefinition): ResourceStore {
    const existing = this.resources.get(resourceId(def));
    if (existing) return existing;
    const store = new ResourceStore(def);
    this.resources.set(store.id, store);
    return store;
  }

  /** Every registered resource. */
  all(): ResourceStore[] {
    return [...this.resources.values()];
  }

  /** The resource with id `id` (`pods`, `widgets.example.com`) or undefined. */
  find(id: string): ResourceStore | undefined {
    return this.resources.get(id);
  }

  /** Like {@link find} but throws 404. */
  get(id: string): ResourceStore {
    const r = this.resources.get(id);
    if (!r) throw notFound('resource', id);
    return r;
  }

  /** Subscribes to committed changes. */
  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** History events with `rv > after` for `resource`, oldest first. Throws 410 if compacted. */
  eventsAfter(resource: string, after: number): ChangeEvent[] {
    if (after < this.compactedRv) {
      throw expired(`too old resource version: ${after} (${this.compactedRv})`);
    }
    const out: ChangeEvent[] = [];
    // Binary search the first event with rv > after.
    let lo = this.historyHead;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.history[mid]!.rv <= after) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.history.length; i++) {
      const ev = this.history[i]!;
      if (ev.resource === resource) out.push(ev);
    }
    return out;
  }

  /**
   * The objects of `resource` as of revision `at` (undoing later history), as key → entry.
   * Throws 410 when `at` is compacted, 504 when it is in the future.
   */
  stateAt(resource: ResourceStore, at: number): Map<string, Entry> {
    if (at > this.rv) throw tooLargeResourceVersion(at, this.rv);
    if (at === this.rv) return resource.items;
    const later = this.eventsAfter(resource.id, at);
    if (later.length === 0) return resource.items;
    const state = new Map(resource.items);
    for (let i = later.length - 1; i >= 0; i--) {
      const ev = later[i]!;
      if (ev.type === 'ADDED') state.delete(ev.key);
      else if (ev.prev) state.set(ev.key, ev.prev);
    }
    return state;
  }

  /** Drops history up to `rv` (default: everything up to now). Older revisions answer 410. */
  compact(rv: number = this.rv): void {
    const target = Math.min(rv, this.rv);
    if (target <= this.compactedRv) return;
    this.compactedRv = target;
    while (this.historyHead < this.history.length && this.history[this.historyHead]!.rv <= target) {
      this.historyHead++;
    }
    this.trimHistoryArray();
  }

  /** Creates an object: name or generateName required; sets uid, resourceVersion, creationTimestamp, generation 1. 409 if it exists, 422 on a bad name. */
  create(resource: ResourceStore, input: KubeObject, namespace?: string): Written {
    const meta = { ...(input.metadata ?? {}) };
    const ns = resource.def.namespaced ? (namespace ?? meta.namespace ?? 'default') : undefined;
    if (meta.name === undefined || meta.name === '') {
      if (meta.generateName) {
        meta.name = `${meta.generateName}${(++this.nameCounter).toString(36).padStart(5, '0')}`;
      } else {
        throw invalid(resource.id, '', [
          {
            reason: 'FieldValueRequired',
            field: 'metadata.name',
            message: 'name or generateName is required',
          },
        ]);
      }
    }
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(meta.name) || meta.name.length > 253) {
      throw invalid(resource.id, meta.name, [
        {
          reason: 'FieldValueInvalid',
          field: 'metadata.name',
          message:
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'",
        },
      ]);
    }
    const key = keyOf(ns, meta.name);
    if (resource.items.has(key)) throw alreadyExists(resource.id, meta.name);
    const rv = ++this.rv;
    const obj: KubeObject = {
      ...input,
      apiVersion:
        resource.def.group === ''
          ? resource.def.version
          : `${resource.def.group}/${resource.def.version}`,
      kind: resource.def.kind,
      metadata: {
        ...meta,
        ...(ns !== undefined ? { namespace: ns } : {}),
        uid: randomUUID(),
        resourceVersion: String(rv),
        creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        generation: 1,
      },
    };
    if (ns === undefined) delete obj.metadata!.namespace;
    const entry = entryOf(obj);
    resource.items.set(key, entry);
    resource.keysChanged();
    this.commit({ rv, resource: resource.id, key, type: 'ADDED', entry, prev: undefined });
    return { entry, obj };
  }

  /** Replaces an object (404 if missing); a non-empty `metadata.resourceVersion` must match (409 otherwise). */
  update(resource: ResourceStore, input: KubeObject, namespace?: string): Written {
    const name = input.metadata?.name ?? '';
    const ns = resource.def.namespaced
      ? (namespace ?? input.metadata?.namespace ?? 'default')
      : undefined;
    const key = keyOf(ns, name);
    const prev = resource.items.get(key);
    if (!prev) throw notFound(resource.id, name);
    const prevObj = prev.obj;
    const wantRv = input.metadata?.resourceVersion;
    if (wantRv !== undefined && wantRv !== '' && wantRv !== prevObj.metadata?.resourceVersion) {
      throw conflict(resource.id, name);
    }
    return this.replaceEntry(resource, key, prev, prevObj, input, true);
  }

  /** Applies a JSON merge patch (an object) or a JSON Patch (an array); a `metadata.resourceVersion` in a merge patch is a precondition. */
  patch(
    resource: ResourceStore,
    namespace: string | undefined,
    name: string,
    patch: unknown,
  ): Written {
    const key = keyOf(resource.def.namespaced ? namespace : undefined, name);
    const prev = resource.items.get(key);
    if (!prev) throw notFound(resource.id, name);
    const prevObj = prev.obj;
    // An array is an RFC 6902 JSON Patch; an object is a JSON merge patch.
    const merged = (
      Array.isArray(patch) ? jsonPatch(prevObj, patch as JsonPatchOp[]) : mergePatch(prevObj, patch)
    ) as KubeObject;
    if (merged === null || typeof merged !== 'object' || Array.isArray(merged)) {
      throw invalid(resource.id, name, [
        { reason: 'FieldValueInvalid', field: '', message: 'the patched object is not an object' },
      ]);
    }
    const wantRv = Array.isArray(patch)
      ? undefined
      : (patch as KubeObject | null)?.metadata?.resourceVersion;
    if (wantRv !== undefined && wantRv !== prevObj.metadata?.resourceVersion)
      throw conflict(resource.id, name);
    // A merge patch without `spec` cannot change it: skip the spec comparison.
    const specMayChange =
      Array.isArray(patch) || (patch !== null && typeof patch === 'object' && 'spec' in patch);
    return this.replaceEntry(resource, key, prev, prevObj, merged, specMayChange);
  }

  /** Deletes an object (404 if missing); the DELETED event carries its last state at the deletion's revision. */
  delete(resource: ResourceStore, namespace: string | undefined, name: string): Written {
    const key = keyOf(resource.def.namespaced ? namespace : undefined, name);
    const prev = resource.items.get(key);
    if (!prev) throw notFound(resource.id, name);
    const rv = ++this.rv;
    const last = prev.obj;
    const obj: KubeObject = {
      ...last,
      metadata: { ...last.metadata, resourceVersion: String(rv) },
    };
    const entry = entryOf(obj);
    resource.items.delete(key);
    resource.keysChanged();
    this.commit({ rv, resource: resource.id, key, type: 'DELETED', entry, prev });
    return { entry, obj };
  }

  private replaceEntry(
    resource: ResourceStore,
    key: string,
    prev: Entry,
    prevObj: KubeObject,
    input: KubeObject,
    specMayChange: boolean,
  ): Written {
    const rv = ++this.rv;
    const pm = prevObj.metadata ?? {};
    const spec = (o: KubeObject): string => JSON.stringify((o as { spec?: unknown }).spec ?? null);
    const generation =
      (pm.generation ?? 1) + (specMayChange && spec(prevObj) !== spec(input) ? 1 : 0);
    const obj: KubeObject = {
      ...input,
      ...(prevObj.apiVersion !== undefined ? { apiVersion: prevObj.apiVersion } : {}),
      ...(prevObj.kind !== undefined ? { kind: prevObj.kind } : {}),
      metadata: {
        ...(input.metadata ?? {}),
        ...(pm.name !== undefined ? { name: pm.name } : {}),
        ...(pm.namespace !== undefined ? { namespace: pm.namespace } : {}),
        ...(pm.uid !== undefined ? { uid: pm.uid } : {}),
        ...(pm.creationTimestamp !== undefined ? { creationTimestamp: pm.creationTimestamp } : {}),
        resourceVersion: String(rv),
        generation,
      },
    };
    const entry = entryOf(obj);
    resource.items.set(key, entry);
    this.commit({ rv, resource: resource.id, key, type: 'MODIFIED', entry, prev });
    return { entry, obj };
  }

  private commit(ev: ChangeEvent): void {
    this.history.push(ev);
    if (this.history.length - this.historyHead > this.historySize) {
      const dropped = this.history[this.historyHead]!;
      this.historyHead++;
      this.compactedRv = Math.max(this.compactedRv, dropped.rv);
      this.trimHistoryArray();
    }
    for (const l of this.listeners) l(ev);
  }

  private trimHistoryArray(): void {
    if (this.historyHead > 4096 && this.historyHead * 2 > this.history.length) {
      this.history = this.history.slice(this.historyHead);
      this.historyHead = 0;
    }
  }
}

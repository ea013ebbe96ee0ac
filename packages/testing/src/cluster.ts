// The storage of the in-process API server: objects per resource, one global resource version
// counter (like etcd's revision), a bounded event history for watch resume and consistent paging,
// and compaction. Semantics follow kube-apiserver's storage layer (apiserver/pkg/storage/cacher and
// etcd3): every write gets the next revision; a DELETED event carries the object at the deletion's
// revision; history older than the compacted revision is gone (410 Expired).
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '@kubecache/core';
import {
  alreadyExists,
  conflict,
  expired,
  invalid,
  notFound,
  tooLargeResourceVersion,
} from './status.js';

/** A resource the server serves. */
export interface ResourceDefinition {
  /** API group; `''` for the core group. */
  group: string;
  /** API version, e.g. `v1`. */
  version: string;
  /** Plural resource name, e.g. `pods` or `widgets`. */
  resource: string;
  /** Kind, e.g. `Pod`. */
  kind: string;
  /** Whether objects live in namespaces. */
  namespaced: boolean;
  /** Singular name for discovery. Default: lower-cased kind. */
  singular?: string;
}

/** The built-in resources: pods, configmaps, namespaces, nodes. */
export const builtinResources: readonly ResourceDefinition[] = [
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true },
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true },
  { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false },
  { group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespaced: false },
];

/** The id of a resource: `pods` for the core group, `widgets.example.com` otherwise. */
export function resourceId(def: Pick<ResourceDefinition, 'group' | 'resource'>): string {
  return def.group === '' ? def.resource : `${def.resource}.${def.group}`;
}

/**
 * One stored version of an object: its JSON text, serialised once and shared by every list page
 * and watcher, plus a small view with what selectors look at. The full object is parsed on demand
 * (`obj` returns a fresh copy), so the server keeps about one string per object rather than a
 * graph of a few hundred small objects: with 100k pods that is the difference between cheap and
 * multi-second garbage-collector pauses, which would otherwise dominate client benchmarks.
 */
export class Entry {
  /** The object as JSON. */
  readonly json: string;
  /** `metadata.{name,namespace,labels}`, `spec.nodeName` and `status.phase` only (for selectors). */
  readonly view: KubeObject;
  private metaJsonText: string | undefined;

  constructor(obj: KubeObject) {
    this.json = JSON.stringify(obj);
    const m = obj.metadata ?? {};
    const spec = (obj as { spec?: { nodeName?: unknown } }).spec;
    const status = (obj as { status?: { phase?: unknown } }).status;
    this.view = {
      metadata: {
        ...(m.name !== undefined ? { name: m.name } : {}),
        ...(m.namespace !== undefined ? { namespace: m.namespace } : {}),
        ...(m.labels !== undefined ? { labels: { ...m.labels } } : {}),
      },
      ...(typeof spec?.nodeName === 'string' ? { spec: { nodeName: spec.nodeName } } : {}),
      ...(typeof status?.phase === 'string' ? { status: { phase: status.phase } } : {}),
    };
  }

  /** A fresh parsed copy of the object (callers may mutate it freely). */
  get obj(): KubeObject {
    return JSON.parse(this.json) as KubeObject;
  }

  /** The object as `PartialObjectMetadata` JSON (computed on first use, then kept). */
  metaJson(): string {
    this.metaJsonText ??= JSON.stringify({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: this.obj.metadata ?? {},
    });
    return this.metaJsonText;
  }
}

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

/** Per-resource storage. */
export class ResourceStore {
  readonly def: ResourceDefinition;
  readonly id: string;
  readonly items = new Map<string, Entry>();
  private sorted: string[] | undefined;

  constructor(def: ResourceDefinition) {
    this.def = def;
    this.id = resourceId(def);
  }

  /** Keys in lexical order (cached until a key is added or removed). */
  sortedKeys(): string[] {
    this.sorted ??= [...this.items.keys()].sort();
    return this.sorted;
  }

  /** Invalidates the sorted key cache. */
  keysChanged(): void {
    this.sorted = undefined;
  }
}

/** Receives every committed change (the watch fan-out). */
export type ChangeListener = (ev: ChangeEvent) => void;

/** Makes an object key. */
export function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

const entryOf = (obj: KubeObject): Entry => new Entry(obj);

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) Reflect.deleteProperty(out, k);
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** An RFC 6902 JSON Patch operation. */
export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'test' | 'move' | 'copy';
  path: string;
  value?: unknown;
  from?: string;
}

/** Applies an RFC 6902 JSON Patch; throws a 422 on a bad path or failed test. */
export function jsonPatch(target: unknown, ops: readonly JsonPatchOp[]): unknown {
  let doc: unknown = structuredClone(target);
  const bad = (field: string, message: string) => invalid('patch', '', [{ field, message }]);
  const parse = (path: string): string[] => {
    if (path === '') return [];
    if (!path.startsWith('/')) throw bad(path, 'JSON pointer must start with /');
    return path
      .slice(1)
      .split('/')
      .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  };
  const step = (cur: unknown, t: string): unknown =>
    Array.isArray(cur) ? cur[Number(t)] : (cur as Record<string, unknown> | null)?.[t];
  const get = (tokens: string[]): unknown => tokens.reduce<unknown>(step, doc);
  const parentOf = (
    tokens: string[],
  ): { parent: Record<string, unknown> | unknown[]; key: string } => {
    const parent = get(tokens.slice(0, -1));
    if (parent === undefined || parent === null || typeof parent !== 'object') {
      throw bad('/' + tokens.join('/'), 'path does not exist');
    }
    return {
      parent: parent as Record<string, unknown> | unknown[],
      key: tokens[tokens.length - 1] ?? '',
    };
  };
  const put = (tokens: string[], value: unknown, insert: boolean): void => {
    if (tokens.length === 0) {
      doc = value;
      return;
    }
    const { parent, key } = parentOf(tokens);
    if (Array.isArray(parent)) {
      const i = key === '-' ? parent.length : Number(key);
      if (insert) parent.splice(i, 0, value);
      else parent[i] = value;
    } else {
      parent[key] = value;
    }
  };
  const remove = (tokens: string[]): void => {
    const { parent, key } = parentOf(tokens);
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else if (key in parent) Reflect.deleteProperty(parent, key);
    else throw bad('/' + tokens.join('/'), 'path does not exist');
  };
  for (const op of ops) {
    const tokens = parse(op.path);
    switch (op.op) {
      case 'add':
        put(tokens, op.value, true);
        break;
      case 'replace':
        if (get(tokens) === undefined) throw bad(op.path, 'path does not exist');
        put(tokens, op.value, false);
        break;
      case 'remove':
        remove(tokens);
        break;
      case 'test':
        if (JSON.stringify(get(tokens)) !== JSON.stringify(op.value))
          throw bad(op.path, 'test failed');
        break;
      case 'copy':
      case 'move': {
        const from = parse(op.from ?? '');
        const v = structuredClone(get(from));
        if (op.op === 'move') remove(from);
        put(tokens, v, true);
        break;
      }
    }
  }
  return doc;
}

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

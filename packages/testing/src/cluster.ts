// The storage of the in-process API server: objects per resource, one global resource version
// counter (like etcd's revision), a bounded event history for watch resume and consistent paging,
// and compaction (change-history.ts), uid and owner indexes (object-index.ts). Semantics follow kube-apiserver's storage layer (apiserver/pkg/storage/cacher and
// etcd3): every write gets the next revision; a DELETED event carries the object at the deletion's
// revision; history older than the compacted revision is gone (410 Expired).
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '@kubecache/core';
import { Entry } from './entry.js';
import {
  applyForWrite,
  managedFieldsForWrite,
  withManagedFields,
} from './fieldmanager/field-manager.js';
import { coreEventToV1, v1EventToCore } from './events.js';
import { jsonPatch, mergePatch, strategicMergePatch, type JsonPatchOp } from './patches.js';
import { keyOf, resourceId, ResourceStore, type ResourceDefinition } from './resources.js';
import {
  nextGeneration,
  patchMayChangeSpec,
  prepareForCreate,
  prepareForUpdate,
  validateFinalizers,
  type StoredMeta,
  type WriteOptions,
} from './strategy.js';
import { alreadyExists, conflict, invalid, notFound, tooLargeResourceVersion } from './status.js';
import { checkApplyTarget } from './apply-target.js';
import { ChangeHistory, type ChangeEvent, type ChangeListener } from './change-history.js';
import {
  checkDeletePreconditions,
  finalizersOnDelete,
  type DeleteOptions,
} from './delete-options.js';
import { ObjectIndex } from './object-index.js';

export type { ChangeEvent, ChangeListener } from './change-history.js';
export { FOREGROUND_FINALIZER, ORPHAN_FINALIZER, type DeleteOptions } from './delete-options.js';

/** The result of a write: the stored entry and the object it was serialised from (not retained by the store, so the caller may keep or mutate it). */
export interface Written {
  readonly entry: Entry;
  readonly obj: KubeObject;
  /** Whether the write removed the object (a delete without finalizers, or the last finalizer removed). */
  readonly removed: boolean;
}

/** Now as an RFC 3339 timestamp with second precision, as kube-apiserver writes them. */
const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

const entryOf = (obj: KubeObject): Entry => new Entry(obj);

/** All state of the fake cluster. */
export class Cluster {
  private rv = 1;
  private readonly resources = new Map<string, ResourceStore>();
  private readonly history: ChangeHistory;
  private readonly listeners = new Set<ChangeListener>();
  private nameCounter = 0;
  private readonly index = new ObjectIndex();
  /**
   * Resources that are two views of one storage (core/v1 and events.k8s.io/v1 events): every
   * change to one is mirrored into the other at the same revision, converted.
   */
  private readonly views = new Map<
    string,
    { twin: string; convert: (o: KubeObject) => KubeObject }
  >([
    ['events', { twin: 'events.events.k8s.io', convert: coreEventToV1 }],
    ['events.events.k8s.io', { twin: 'events', convert: v1EventToCore }],
  ]);

  constructor(options: { historySize: number; resources: readonly ResourceDefinition[] }) {
    this.history = new ChangeHistory(options.historySize);
    for (const def of options.resources) this.register(def);
  }

  /** Current revision. */
  currentRv(): number {
    return this.rv;
  }

  /** Revisions at or below this are compacted away (410 Expired). */
  get compactedRv(): number {
    return this.history.compactedRv;
  }

  /** How many changes the history keeps (all resources together). */
  get historySize(): number {
    return this.history.size;
  }

  /** Registers (or replaces the definition of) a resource. */
  register(def: ResourceDefinition): ResourceStore {
    const existing = this.resources.get(resourceId(def));
    if (existing) return existing;
    const store = new ResourceStore(def);
    this.resources.set(store.id, store);
    return store;
  }

  /**
   * Stops serving a resource: each of its objects is removed (one DELETED event each, finalizers
   * not waited for) and the resource is gone from discovery. Nothing when it is not registered.
   */
  unregister(id: string): void {
    const store = this.resources.get(id);
    if (store === undefined) return;
    for (const [key, entry] of [...store.items]) this.remove(store, key, entry);
    this.resources.delete(id);
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
    return this.history.after(resource, after);
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
    this.history.compact(Math.min(rv, this.rv));
  }

  /** The stored object with this uid, if any. */
  byUid(uid: string): { resource: ResourceStore; key: string; entry: Entry } | undefined {
    const ref = this.index.byUid(uid);
    if (ref === undefined) return undefined;
    const resource = this.resources.get(ref.resource);
    const entry = resource?.items.get(ref.key);
    return resource && entry ? { resource, key: ref.key, entry } : undefined;
  }

  /** The objects whose ownerReferences name `uid`. */
  dependentsOf(uid: string): { resource: ResourceStore; key: string; entry: Entry }[] {
    const out: { resource: ResourceStore; key: string; entry: Entry }[] = [];
    for (const { resource: id, key } of this.index.dependentsOf(uid)) {
      const resource = this.resources.get(id);
      const entry = resource?.items.get(key);
      if (resource && entry) out.push({ resource, key, entry });
    }
    return out;
  }

  /**
   * Creates an object: name or generateName required; sets uid, resourceVersion,
   * creationTimestamp, and `generation: 1` for kinds that have one (see kind-strategies.ts). 409
   * if it exists, 422 on a bad name.
   */
  create(
    resource: ResourceStore,
    input: KubeObject,
    namespace?: string,
    options: WriteOptions = {},
  ): Written {
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
    const prepared = prepareForCreate(resource.def, { ...input, metadata: meta }, options);
    const { deletionTimestamp: _dt, ...createMeta } = (prepared.metadata ?? {}) as StoredMeta;
    delete (createMeta as StoredMeta).deletionGracePeriodSeconds;
    const obj: KubeObject = {
      ...prepared,
      apiVersion:
        resource.def.group === ''
          ? resource.def.version
          : `${resource.def.group}/${resource.def.version}`,
      kind: resource.def.kind,
      metadata: {
        ...createMeta,
        ...(ns !== undefined ? { namespace: ns } : {}),
        uid: randomUUID(),
        resourceVersion: String(rv),
        creationTimestamp: now(),
      },
    };
    if (ns === undefined) delete obj.metadata!.namespace;
    const stored =
      options.fieldManager !== undefined
        ? withManagedFields(
            obj,
            managedFieldsForWrite(
              resource.def,
              undefined,
              { ...input, metadata: meta },
              {
                manager: options.fieldManager,
              },
            ),
          )
        : obj;
    const entry = entryOf(stored);
    resource.items.set(key, entry);
    resource.keysChanged();
    this.commit({ rv, resource: resource.id, key, type: 'ADDED', entry, prev: undefined });
    return { entry, obj: stored, removed: false };
  }

  /**
   * Replaces an object (404 if missing); a non-empty `metadata.resourceVersion` must match (409
   * otherwise). Removing the last finalizer of an object being deleted removes it.
   */
  update(
    resource: ResourceStore,
    input: KubeObject,
    namespace?: string,
    options: WriteOptions = {},
  ): Written {
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
    const next = this.recordUpdate(
      resource,
      prevObj,
      input,
      prepareForUpdate(resource.def, prevObj, input, options),
      options,
    );
    return this.replaceEntry(resource, key, prev, prevObj, next, options.subresource !== 'status');
  }

  /**
   * Applies a JSON merge patch (an object) or a JSON Patch (an array); a `metadata.resourceVersion`
   * in a merge patch is a precondition. Removing the last finalizer of an object being deleted
   * removes it. With `strategic: true` an object is a strategic merge patch (see
   * strategicMergePatch).
   */
  patch(
    resource: ResourceStore,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    options: WriteOptions & { strategic?: boolean } = {},
  ): Written {
    const key = keyOf(resource.def.namespaced ? namespace : undefined, name);
    const prev = resource.items.get(key);
    if (!prev) throw notFound(resource.id, name);
    const prevObj = prev.obj;
    // An array is an RFC 6902 JSON Patch; an object is a JSON merge patch.
    const merged = (
      Array.isArray(patch)
        ? jsonPatch(prevObj, patch as JsonPatchOp[])
        : options.strategic === true
          ? strategicMergePatch(prevObj, patch)
          : mergePatch(prevObj, patch)
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
    const next = this.recordUpdate(
      resource,
      prevObj,
      merged,
      prepareForUpdate(resource.def, prevObj, merged, options),
      options,
    );
    return this.replaceEntry(
      resource,
      key,
      prev,
      prevObj,
      next,
      options.subresource !== 'status' && patchMayChangeSpec(resource.def, patch),
    );
  }

  /**
   * Server-side apply (`PATCH` with `application/apply-patch+yaml`): merges `config` into the
   * stored object as kube-apiserver's field manager does (see fieldmanager/managed-fields.ts) —
   * field ownership, 409 on conflicts unless `force`, removal of fields the manager stopped
   * applying — or creates the object when there is none (not through `/status`). A no-op apply
   * stores nothing. `created` tells which happened. 400 when the configuration's kind, group
   * version, name or namespace is not the target's.
   */
  apply(
    resource: ResourceStore,
    namespace: string | undefined,
    name: string,
    config: KubeObject,
    options: { fieldManager: string; force: boolean; subresource?: 'status' },
  ): Written & { created: boolean } {
    const def = resource.def;
    const ns = def.namespaced ? namespace : undefined;
    checkApplyTarget(def, ns, name, config);
    const key = keyOf(ns, name);
    const prev = resource.items.get(key);
    const write = {
      manager: options.fieldManager,
      force: options.force,
      subresource: options.subresource,
    };
    if (!prev) {
      if (options.subresource !== undefined) throw notFound(resource.id, name);
      const applied = applyForWrite(def, undefined, config, write);
      const obj = withManagedFields(
        { ...applied.object, metadata: { ...applied.object.metadata, name } },
        applied.managedFields,
      );
      return {
        ...this.create(resource, obj, ns, { enforceStatusSubresource: true }),
        created: true,
      };
    }
    const prevObj = prev.obj;
    const wantRv = config.metadata?.resourceVersion;
    if (wantRv !== undefined && wantRv !== '' && wantRv !== prevObj.metadata?.resourceVersion)
      throw conflict(resource.id, name);
    const applied = applyForWrite(def, prevObj, config, write);
    const before = JSON.stringify(prevObj.metadata?.managedFields ?? []);
    if (!applied.changed && JSON.stringify(applied.managedFields) === before)
      return { entry: prev, obj: prevObj, removed: false, created: false };
    const opts: WriteOptions =
      options.subresource === 'status'
        ? { subresource: 'status' }
        : { enforceStatusSubresource: true };
    const next = withManagedFields(
      prepareForUpdate(def, prevObj, applied.object as KubeObject, opts),
      applied.managedFields,
    );
    return {
      ...this.replaceEntry(resource, key, prev, prevObj, next, options.subresource !== 'status'),
      created: false,
    };
  }

  /** `next` with the managedFields the field manager records for `request` over `prevObj` (when asked to). */
  private recordUpdate(
    resource: ResourceStore,
    prevObj: KubeObject,
    request: KubeObject,
    next: KubeObject,
    options: WriteOptions,
  ): KubeObject {
    if (options.fieldManager === undefined) return next;
    return withManagedFields(
      next,
      managedFieldsForWrite(resource.def, prevObj, request, {
        manager: options.fieldManager,
        subresource: options.fieldManagerSubresource ?? options.subresource,
      }),
    );
  }

  /**
   * Deletes an object (404 if missing). Without finalizers it is removed: the DELETED event
   * carries its last state at the deletion's revision. With finalizers (or a propagation policy
   * that adds `orphan` / `foregroundDeletion`) it gets `deletionTimestamp` and
   * `deletionGracePeriodSeconds: 0` (MODIFIED) and stays until its finalizers are removed, as
   * kube-apiserver's registry store does (pkg/registry/generic/registry/store.go Delete).
   */
  delete(
    resource: ResourceStore,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): Written {
    const key = keyOf(resource.def.namespaced ? namespace : undefined, name);
    const prev = resource.items.get(key);
    if (!prev) throw notFound(resource.id, name);
    const prevObj = prev.obj;
    const pm = (prevObj.metadata ?? {}) as StoredMeta;
    checkDeletePreconditions(resource.id, name, pm, options);
    const finalizers = finalizersOnDelete(pm, options);
    if (finalizers.length === 0) return this.remove(resource, key, prev);
    if (pm.deletionTimestamp !== undefined && finalizers.length === (pm.finalizers ?? []).length) {
      // Already being deleted: nothing changes.
      return { entry: prev, obj: prevObj, removed: false };
    }
    const rv = ++this.rv;
    const meta: StoredMeta = {
      ...pm,
      finalizers,
      resourceVersion: String(rv),
      deletionTimestamp: pm.deletionTimestamp ?? now(),
      deletionGracePeriodSeconds: 0,
    };
    // The first deletion bumps the generation, so controllers see the change of intent.
    if (pm.deletionTimestamp === undefined && (pm.generation ?? 0) > 0)
      meta.generation = (pm.generation ?? 0) + 1;
    const obj: KubeObject = { ...prevObj, metadata: meta };
    const entry = entryOf(obj);
    resource.items.set(key, entry);
    this.commit({ rv, resource: resource.id, key, type: 'MODIFIED', entry, prev });
    return { entry, obj, removed: false };
  }

  /** Removes an object: one DELETED event with its last stored state at the deletion's revision. */
  private remove(resource: ResourceStore, key: string, prev: Entry): Written {
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
    return { entry, obj, removed: true };
  }

  private replaceEntry(
    resource: ResourceStore,
    key: string,
    prev: Entry,
    prevObj: KubeObject,
    next: KubeObject,
    specMayChange: boolean,
  ): Written {
    validateFinalizers(resource.id, prevObj, next);
    const meta = (next.metadata ?? {}) as StoredMeta;
    if (meta.deletionTimestamp !== undefined && (meta.finalizers ?? []).length === 0) {
      // The last finalizer of an object being deleted is gone: the update becomes the deletion
      // (the stored state, not the update, is what the DELETED event carries).
      return this.remove(resource, key, prev);
    }
    const rv = ++this.rv;
    const generation = nextGeneration(resource.def, prevObj, next, specMayChange);
    const obj: KubeObject = {
      ...next,
      metadata: {
        ...meta,
        resourceVersion: String(rv),
        ...(generation !== undefined ? { generation } : {}),
      },
    };
    if (generation === undefined) delete obj.metadata!.generation;
    const entry = entryOf(obj);
    resource.items.set(key, entry);
    this.commit({ rv, resource: resource.id, key, type: 'MODIFIED', entry, prev });
    return { entry, obj, removed: false };
  }

  private commit(ev: ChangeEvent, mirrored = false): void {
    // A mirrored change is the same object seen through its twin: the uid and owner indexes
    // keep pointing at the resource that was written.
    if (!mirrored) this.index.update(ev);
    this.history.push(ev);
    for (const l of this.listeners) l(ev);
    if (!mirrored) this.mirror(ev);
  }

  /** Applies `ev` to the twin view of its resource (if any), at the same revision. */
  private mirror(ev: ChangeEvent): void {
    const view = this.views.get(ev.resource);
    const twin = view === undefined ? undefined : this.resources.get(view.twin);
    if (view === undefined || twin === undefined) return;
    const prev = twin.items.get(ev.key);
    const entry = entryOf(view.convert(ev.entry.obj));
    if (ev.type === 'DELETED') twin.items.delete(ev.key);
    else twin.items.set(ev.key, entry);
    if (ev.type !== 'MODIFIED') twin.keysChanged();
    this.commit({ rv: ev.rv, resource: twin.id, key: ev.key, type: ev.type, entry, prev }, true);
  }
}

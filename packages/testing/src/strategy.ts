// The per-resource write rules kube-apiserver's registry applies before it stores an object (its
// "strategies", k8s.io/apiserver pkg/registry/rest create.go/update.go and the pod, namespace and
// custom-resource strategies): which fields a write to the object or to its `/status` subresource
// may change, when `metadata.generation` moves, which metadata the server owns, and the
// finalizer rule of ValidateObjectMetaUpdate (k8s.io/apimachinery pkg/api/validation/objectmeta.go).
import type { KubeObject, ObjectMeta } from '@kubecache/core';
import type { ResourceDefinition } from './resources.js';
import { invalid } from './status.js';

/** Object metadata with the deletion fields the server sets. */
export type StoredMeta = ObjectMeta & { deletionGracePeriodSeconds?: number };

/** How a write reaches the storage. */
export interface WriteOptions {
  /** `'status'` for a write to the `/status` subresource (only `status` changes). */
  subresource?: 'status';
  /**
   * Apply the status-subresource rules to a write of the object itself (drop `status` on create,
   * keep the stored `status` on update), as HTTP requests do. The programmatic API stores what it
   * is given unless it passes `subresource: 'status'`. Default: false.
   */
  enforceStatusSubresource?: boolean;
}

const metaOf = (o: KubeObject): StoredMeta => o.metadata ?? {};

/** The object without `metadata` (and without `status` when it is a subresource): what `generation` tracks. */
function specOf(def: ResourceDefinition, o: KubeObject): string {
  const rest: Record<string, unknown> = { ...(o as Record<string, unknown>) };
  delete rest.metadata;
  delete rest.apiVersion;
  delete rest.kind;
  if (def.statusSubresource) delete rest.status;
  return JSON.stringify(rest);
}

/**
 * Whether a merge patch may change what `generation` tracks: a patch of only `metadata` (and
 * `status` when it is a subresource) cannot, and skipping the comparison keeps status churn cheap.
 */
export function patchMayChangeSpec(def: ResourceDefinition, patch: unknown): boolean {
  if (Array.isArray(patch)) return true;
  if (patch === null || typeof patch !== 'object') return true;
  return Object.keys(patch).some(
    (k) =>
      k !== 'metadata' &&
      k !== 'apiVersion' &&
      k !== 'kind' &&
      !(k === 'status' && def.statusSubresource),
  );
}

/** Prepares an object for create: with the status rules on, `status` is dropped (a pod starts Pending). */
export function prepareForCreate(
  def: ResourceDefinition,
  input: KubeObject,
  options: WriteOptions,
): KubeObject {
  if (!def.statusSubresource || !options.enforceStatusSubresource) return input;
  const out: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  delete out.status;
  if (def.group === '' && def.resource === 'pods') out.status = { phase: 'Pending' };
  return out;
}

/**
 * Prepares the new state of an update from the stored one: a `/status` write keeps everything
 * but `status` (and the metadata the caller may always change: none, as for custom resources); a
 * write to the object keeps the stored `status` when the status rules are on. Server-owned
 * metadata (uid, creationTimestamp, deletionTimestamp, deletionGracePeriodSeconds, generation)
 * always comes from the stored object.
 */
export function prepareForUpdate(
  def: ResourceDefinition,
  prev: KubeObject,
  input: KubeObject,
  options: WriteOptions,
): KubeObject {
  let next: Record<string, unknown>;
  if (options.subresource === 'status') {
    next = { ...(prev as Record<string, unknown>) };
    const status = (input as { status?: unknown }).status;
    if (status === undefined) delete next.status;
    else next.status = status;
    next.metadata = { ...metaOf(prev), resourceVersion: metaOf(input).resourceVersion };
  } else {
    next = { ...(input as Record<string, unknown>) };
    if (def.statusSubresource && options.enforceStatusSubresource) {
      const status = (prev as { status?: unknown }).status;
      if (status === undefined) delete next.status;
      else next.status = status;
    }
  }
  const pm = metaOf(prev);
  const meta: StoredMeta = { ...metaOf(next) };
  for (const k of [
    'name',
    'namespace',
    'uid',
    'creationTimestamp',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'generation',
  ] as const) {
    if (pm[k] === undefined) Reflect.deleteProperty(meta, k);
    else (meta as Record<string, unknown>)[k] = pm[k];
  }
  next.metadata = meta;
  if (prev.apiVersion !== undefined) next.apiVersion = prev.apiVersion;
  if (prev.kind !== undefined) next.kind = prev.kind;
  return next;
}

/** The generation of `next`: one more than `prev`'s when what it tracks changed. */
export function nextGeneration(
  def: ResourceDefinition,
  prev: KubeObject,
  next: KubeObject,
  mayChange: boolean,
): number {
  const g = metaOf(prev).generation ?? 1;
  return mayChange && specOf(def, prev) !== specOf(def, next) ? g + 1 : g;
}

/** 422 when an update adds finalizers to an object that is being deleted (ValidateNoNewFinalizers). */
export function validateFinalizers(resourceId: string, prev: KubeObject, next: KubeObject): void {
  const pm = metaOf(prev);
  if (pm.deletionTimestamp === undefined) return;
  const old = new Set(pm.finalizers ?? []);
  const extra = [...new Set(metaOf(next).finalizers ?? [])].filter((f) => !old.has(f)).sort();
  if (extra.length === 0) return;
  throw invalid(resourceId, pm.name ?? '', [
    {
      reason: 'FieldValueForbidden',
      field: 'metadata.finalizers',
      message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${extra.map((f) => JSON.stringify(f)).join(', ')}}`,
    },
  ]);
}

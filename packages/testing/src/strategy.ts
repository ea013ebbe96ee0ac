// The write rules kube-apiserver's generic registry applies to every kind before it stores an
// object (k8s.io/apiserver pkg/registry/rest create.go BeforeCreate, update.go BeforeUpdate): the
// metadata the server owns, the generation carried over from the stored object, and the
// finalizer rule of ValidateObjectMetaUpdate (k8s.io/apimachinery pkg/api/validation/objectmeta.go).
// What differs per kind (generation, status, the status subresource) is in kind-strategies.ts.
import type { KubeObject, ObjectMeta } from '@kubecache/core';
import { plain, strategyFor, type PlainObject } from './kind-strategies.js';
import type { ResourceDefinition } from './resources.js';
import { invalid } from './status.js';

/** Object metadata with the deletion fields the server sets. */
export type StoredMeta = ObjectMeta & { deletionGracePeriodSeconds?: number };

/** How a write reaches the storage. */
export interface WriteOptions {
  /**
   * `'status'` for a write to the `/status` subresource: `status` changes, and the metadata the
   * kind's status strategy lets through (see kind-strategies.ts).
   */
  subresource?: 'status';
  /**
   * Apply the status rules to a write of the object itself (on create the status the kind starts
   * with, on update the stored `status` of a kind with a status subresource), as HTTP requests
   * do. The programmatic API stores what it is given unless it passes `subresource: 'status'`.
   * Default: false.
   */
  enforceStatusSubresource?: boolean;
  /**
   * Record `metadata.managedFields` as kube-apiserver's field manager does, with an `Update` entry
   * for this manager (HTTP writes pass `fieldManager` or the User-Agent prefix). Without it the
   * object stores the `managedFields` it is given. Default: none.
   */
  fieldManager?: string;
  /** The subresource the field manager records when it is not `subresource` (`scale`). */
  fieldManagerSubresource?: 'scale';
}

const metaOf = (o: KubeObject): StoredMeta => o.metadata ?? {};

/**
 * Whether a patch may move `metadata.generation` (the kind's rule, see kind-strategies.ts): a
 * merge patch of only what the generation does not track cannot, and skipping the comparison
 * keeps status and metadata churn cheap.
 */
export function patchMayChangeSpec(def: ResourceDefinition, patch: unknown): boolean {
  return strategyFor(def).patchMayChangeGeneration(patch);
}

/**
 * Prepares an object for create: the kind's rules (a namespace gets the `kubernetes` finalizer)
 * and, with the status rules on, the status the kind starts with (a pod `Pending` with its QoS
 * class, a deployment `{}`, a custom resource with a status subresource none). Sets
 * `metadata.generation` to 1 for kinds that have one; other kinds keep what they were given, as
 * BeforeCreate (k8s.io/apiserver pkg/registry/rest/create.go) does not touch it.
 */
export function prepareForCreate(
  def: ResourceDefinition,
  input: KubeObject,
  options: WriteOptions,
): KubeObject {
  const strategy = strategyFor(def);
  const out: PlainObject = { ...plain(input) };
  if (options.enforceStatusSubresource === true) {
    const created = strategy.createStatus(out);
    if (created.keep !== true) {
      if (created.status === undefined) delete out.status;
      else out.status = created.status;
    }
  }
  strategy.prepareForCreate(out);
  const meta: StoredMeta = { ...metaOf(out) };
  if (strategy.generation !== 'none') meta.generation = 1;
  out.metadata = meta;
  return out;
}

/**
 * Prepares the new state of an update from the stored one, as BeforeUpdate
 * (k8s.io/apiserver pkg/registry/rest/update.go) with the kind's strategy: a `/status` write
 * keeps everything but `status` and the metadata its status strategy resets; a write to the
 * object keeps the stored `status` when the status rules are on. Server-owned metadata (name,
 * namespace, uid, creationTimestamp, deletionTimestamp, deletionGracePeriodSeconds, generation)
 * always comes from the stored object; the caller moves the generation (see {@link nextGeneration}).
 */
export function prepareForUpdate(
  def: ResourceDefinition,
  prev: KubeObject,
  input: KubeObject,
  options: WriteOptions,
): KubeObject {
  const strategy = strategyFor(def);
  const next: PlainObject = { ...plain(input) };
  const old = plain(prev);
  if (options.subresource === 'status') {
    strategy.prepareForStatusUpdate(next, old);
  } else {
    if (strategy.statusSubresource && options.enforceStatusSubresource === true) {
      if (old.status === undefined) delete next.status;
      else next.status = old.status;
    }
    strategy.prepareForUpdate(next, old);
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

/**
 * The generation of `next`: one more than `prev`'s when the kind tracks what changed (a
 * deployment's spec or annotations, anything outside metadata of a custom resource), `prev`'s
 * otherwise — undefined for kinds without one. `mayChange: false` skips the comparison (a
 * `/status` write never moves it).
 */
export function nextGeneration(
  def: ResourceDefinition,
  prev: KubeObject,
  next: KubeObject,
  mayChange: boolean,
): number | undefined {
  const g = metaOf(prev).generation;
  const strategy = strategyFor(def);
  if (strategy.generation === 'none' || !mayChange) return g;
  return strategy.generationChanged(plain(prev), plain(next)) ? (g ?? 0) + 1 : g;
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

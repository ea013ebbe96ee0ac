// The field manager as the in-process server's writes use it: per resource the schema (schema.ts),
// the kind's reset fields (its strategy's GetResetFields: a main-resource write never records
// `status` of a kind with a status subresource, a `/status` write records only `status` and the
// metadata its strategy lets through) and the group version entries are recorded under.
import type { KubeObject } from '@kubecache/core';
import { servedByKubeApiserver, strategyFor } from '../kind-strategies.js';
import type { ResourceDefinition } from '../resources.js';
import { FieldSet } from './field-set.js';
import {
  applyManagedFields,
  updateManagedFields,
  type Applied,
  type FieldManagerRequest,
  type ManagedFieldsEntry,
} from './managed-fields.js';
import { schemaFor, zeroObject } from './schema.js';

/** Who writes, and through which subresource. */
export interface FieldManagerWrite {
  /** The manager name (`fieldManager`, or the User-Agent prefix). */
  manager: string;
  /** `status`, `scale`, or undefined for the object itself. */
  subresource?: 'status' | 'scale' | undefined;
  /** The time recorded (RFC 3339 seconds). Default: now. */
  now?: string;
}

type Obj = Record<string, unknown> & { metadata?: Record<string, unknown> };

/** Now as RFC 3339 with second precision. */
const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

const envelope = new Set(['apiVersion', 'kind', 'metadata', 'status']);

function resetFields(
  def: ResourceDefinition,
  subresource: string,
  objects: readonly Obj[],
): FieldSet {
  const s = strategyFor(def);
  if (subresource === '')
    return s.statusSubresource ? FieldSet.of([{ field: 'status' }]) : new FieldSet();
  if (subresource !== 'status') return new FieldSet();
  const out = new FieldSet();
  for (const o of objects)
    for (const k of Object.keys(o)) if (!envelope.has(k)) out.insert([{ field: k }]);
  if (s.statusResetMetadata === 'all') out.insert([{ field: 'metadata' }]);
  else for (const f of s.statusResetMetadata) out.insert([{ field: 'metadata' }, { field: f }]);
  return out;
}

function request(
  def: ResourceDefinition,
  w: FieldManagerWrite,
  objects: readonly Obj[],
): FieldManagerRequest {
  const subresource = w.subresource ?? '';
  return {
    schema: schemaFor(def, servedByKubeApiserver(def)),
    manager: w.manager,
    apiVersion: def.group === '' ? def.version : `${def.group}/${def.version}`,
    subresource,
    ignored: resetFields(def, subresource, objects),
    now: w.now ?? now(),
  };
}

/**
 * The `managedFields` of an object a create (`live` undefined: the kind's zero object) or an update
 * stores, given the object the request asks for (after a patch is applied). Undefined: store none.
 */
export function managedFieldsForWrite(
  def: ResourceDefinition,
  live: KubeObject | undefined,
  next: KubeObject,
  w: FieldManagerWrite,
): ManagedFieldsEntry[] | undefined {
  const liveObj = (live ?? zeroObject(def, servedByKubeApiserver(def))) as Obj;
  const entries = updateManagedFields(
    liveObj,
    next as Obj,
    request(def, w, [liveObj, next as Obj]),
  );
  return entries !== undefined && entries.length > 0 ? entries : undefined;
}

/** Server-side apply of `config` over `live` (undefined: apply to create). See applyManagedFields. */
export function applyForWrite(
  def: ResourceDefinition,
  live: KubeObject | undefined,
  config: KubeObject,
  w: FieldManagerWrite & { force: boolean },
): Applied {
  const liveObj = (live ?? zeroObject(def, servedByKubeApiserver(def))) as Obj;
  const applied = applyManagedFields(liveObj, config as Obj, {
    ...request(def, w, [liveObj, config as Obj]),
    force: w.force,
  });
  // Differs from kube-apiserver: apply to create stores the configuration, not its merge into the
  // kind's zero value (whose empty structs a real server would fill with defaults).
  return live === undefined ? { ...applied, object: structuredClone(config) as Obj } : applied;
}

/** `obj` with `entries` as its `metadata.managedFields` (removed when undefined). */
export function withManagedFields<T extends KubeObject>(
  obj: T,
  entries: ManagedFieldsEntry[] | undefined,
): T {
  const meta: Record<string, unknown> = { ...(obj.metadata ?? {}) };
  if (entries === undefined || entries.length === 0) delete meta.managedFields;
  else meta.managedFields = entries;
  return { ...obj, metadata: meta };
}

export type { ManagedFieldsEntry } from './managed-fields.js';

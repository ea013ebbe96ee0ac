// The field manager of kube-apiserver for the in-process server: what `metadata.managedFields`
// becomes on each write. Follows k8s.io/apimachinery pkg/util/managedfields/internal (the
// FieldManager and its wrappers: stripMeta, managedFieldsUpdater, buildManagerInfo, capManagers
// with DefaultMaxUpdateManagers = 10 and the `ancient-changes` bucket, decodeLiveOrNew and the
// reset rule, sortEncodedManagedFields, NewConflictError) over structured-merge-diff's
// merge.Updater (Update, Apply, prune): read for semantics, not copied.
import type { StatusCause } from '@kubecache/core';
import { failure, ServerApiError } from '../status.js';
import { FieldSet } from './field-set.js';
import { pathString, type FieldPath } from './path-element.js';
import type { SchemaNode } from './schema.js';
import { compare, isSame, merge, removeItems, toFieldSet, type Comparison } from './typed.js';

/** One `metadata.managedFields` entry (metav1.ManagedFieldsEntry) as stored. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** A manager's fields, by identifier. */
interface ManagerSet {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource: string;
  time: string | undefined;
  set: FieldSet;
}

type Managed = Map<string, ManagerSet>;

/** The maximum number of Update entries before the oldest are merged (DefaultMaxUpdateManagers). */
export const maxUpdateManagers = 10;
/** The manager name the capped Update entries are merged into. */
export const ancientChangesManager = 'ancient-changes';

/** BuildManagerIdentifier: the entry without time and fields (and, for appliers, apiVersion), as JSON. */
function identifier(
  m: Pick<ManagerSet, 'manager' | 'operation' | 'apiVersion' | 'subresource'>,
): string {
  return JSON.stringify({
    manager: m.manager,
    operation: m.operation,
    ...(m.operation === 'Update' && m.apiVersion !== '' ? { apiVersion: m.apiVersion } : {}),
    ...(m.subresource !== '' ? { subresource: m.subresource } : {}),
  });
}

/** DecodeManagedFields; throws on an entry that does not decode. */
function decode(entries: unknown): Managed {
  const out: Managed = new Map();
  if (entries === undefined || entries === null) return out;
  if (!Array.isArray(entries)) throw new Error('managedFields is not a list');
  for (const e of entries as ManagedFieldsEntry[]) {
    if (e === null || typeof e !== 'object') throw new Error('bad managedFields entry');
    if (e.fieldsType !== 'FieldsV1') throw new Error(`invalid fieldsType ${String(e.fieldsType)}`);
    if (e.operation !== 'Apply' && e.operation !== 'Update')
      throw new Error(`invalid operation ${String(e.operation)}`);
    const m: ManagerSet = {
      manager: e.manager ?? '',
      operation: e.operation,
      apiVersion: e.apiVersion ?? '',
      subresource: e.subresource ?? '',
      time: e.time,
      set: FieldSet.fromFieldsV1(e.fieldsV1 ?? {}),
    };
    out.set(identifier(m), m);
  }
  return out;
}

const decodeOrEmpty = (entries: unknown): Managed => {
  try {
    return decode(entries);
  } catch {
    return new Map();
  }
};

const seconds = (t: string | undefined): number => (t === undefined ? 0 : Date.parse(t) / 1000);
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** encodeManagedFields + sortEncodedManagedFields: Apply before Update, then by time, manager, apiVersion, subresource. */
function encode(managed: Managed): ManagedFieldsEntry[] {
  const list = [...managed.values()].filter((m) => !m.set.empty());
  list.sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource, q.subresource),
  );
  return list.map((m) => ({
    manager: m.manager,
    operation: m.operation,
    apiVersion: m.apiVersion,
    ...(m.time !== undefined ? { time: m.time } : {}),
    fieldsType: 'FieldsV1',
    fieldsV1: m.set.toFieldsV1(),
    ...(m.subresource !== '' ? { subresource: m.subresource } : {}),
  }));
}

/** The fields stripMetaManager never records. */
const stripSet = FieldSet.of(
  [{ field: 'apiVersion' }],
  [{ field: 'kind' }],
  [{ field: 'metadata' }],
  ...[
    'name',
    'namespace',
    'creationTimestamp',
    'selfLink',
    'uid',
    'clusterName',
    'generation',
    'managedFields',
    'resourceVersion',
  ].map((f): FieldPath => [{ field: 'metadata' }, { field: f }]),
);

/** capManagersManager: more than 10 Update entries → the oldest merged into `ancient-changes` per apiVersion. */
function capUpdateManagers(managed: Managed): void {
  const updaters = [...managed.entries()].filter(([, m]) => m.operation === 'Update');
  if (updaters.length <= maxUpdateManagers) return;
  updaters.sort(([ia, a], [ib, b]) => seconds(a.time) - seconds(b.time) || cmp(ia, ib));
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > maxUpdateManagers; i++) {
    const [id, m] = updaters[i]!;
    const bucketInfo = {
      manager: ancientChangesManager,
      operation: 'Update' as const,
      apiVersion: m.apiVersion,
      subresource: '',
    };
    const bucket = identifier(bucketInfo);
    const first = firstOfVersion.get(m.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(m.apiVersion, id);
      continue;
    }
    if (!managed.has(bucket)) {
      const s = managed.get(first)!;
      managed.delete(first);
      managed.set(bucket, { ...s, ...bucketInfo });
    }
    const b = managed.get(bucket)!;
    managed.set(bucket, { ...b, set: m.set.union(b.set), time: m.time });
    managed.delete(id);
    length--;
  }
}

/** What a write records: the request's manager, group version and subresource. */
export interface FieldManagerRequest {
  /** The schema of the kind (see schema.ts). */
  schema: SchemaNode;
  /** `fieldManager`, or the User-Agent prefix; `''` is recorded as `unknown`. */
  manager: string;
  /** The group version of the request, e.g. `apps/v1`. */
  apiVersion: string;
  /** `status`, `scale` or `''`. */
  subresource: string;
  /**
   * Fields the kind's strategy resets for this request (the main resource's `status`, a
   * `/status` write's `spec`), never recorded (the strategy's GetResetFields).
   */
  ignored: FieldSet;
  /** RFC 3339 seconds. */
  now: string;
}

type Obj = Record<string, unknown> & { metadata?: Record<string, unknown> };

const withoutManagedFields = (o: Obj): Obj => {
  if (o.metadata === undefined || !('managedFields' in o.metadata)) return o;
  const { managedFields: _m, ...metadata } = o.metadata;
  return { ...o, metadata };
};

/** isResetManagedFields: `managedFields: []` or `[{}]` in the request clears them. */
function isReset(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  if (v.length === 0) return true;
  return (
    v.length === 1 &&
    v[0] !== null &&
    typeof v[0] === 'object' &&
    Object.keys(v[0] as object).length === 0
  );
}

/** The shared part of Update and Apply (merge.Updater.update): other managers lose what changed. */
function updateOthers(
  managed: Managed,
  cmpAll: Comparison,
  ignored: FieldSet,
  self: string,
  force: boolean,
): Map<string, FieldSet> {
  const changed = cmpAll.modified.union(cmpAll.added).recursiveDifference(ignored);
  const removed = cmpAll.removed.recursiveDifference(ignored);
  const conflicts = new Map<string, FieldSet>();
  for (const [id, m] of managed) {
    if (id === self) continue;
    const c = m.set.intersection(changed);
    if (!c.empty()) conflicts.set(id, c);
  }
  if (!force && conflicts.size > 0) return conflicts;
  for (const [id, m] of managed) {
    if (id === self) continue;
    const c = conflicts.get(id);
    let s = c ? m.set.difference(c) : m.set;
    if (!removed.empty()) s = s.difference(removed);
    if (s.empty()) managed.delete(id);
    else managed.set(id, { ...m, set: s });
  }
  return new Map();
}

/**
 * The `managedFields` after a create, update or patch (FieldManager.Update): `live` is the stored
 * object (a create passes the kind's zero object), `next` the object the request asks to store.
 * The request's manager gets an Update entry with the fields it added or modified (time: now),
 * other managers lose those and the removed fields; a request's own `managedFields` replace the
 * stored ones (not for subresources), `[]` or `[{}]` clears them. Returns the entries to store
 * (empty: none), or undefined when the objects cannot be walked (UpdateNoErrors then stores none).
 */
export function updateManagedFields(
  live: Obj,
  next: Obj,
  req: FieldManagerRequest,
): ManagedFieldsEntry[] | undefined {
  const requested = next.metadata?.managedFields;
  let managed: Managed;
  if (req.subresource !== '') managed = decodeOrEmpty(live.metadata?.managedFields);
  else if (isReset(requested)) managed = new Map();
  else {
    let fromRequest: Managed | undefined;
    try {
      fromRequest = decode(requested);
    } catch {
      fromRequest = undefined;
    }
    managed =
      fromRequest !== undefined && fromRequest.size > 0
        ? fromRequest
        : decodeOrEmpty(live.metadata?.managedFields);
  }
  let c: Comparison;
  try {
    c = compare(withoutManagedFields(live), withoutManagedFields(next), req.schema);
  } catch {
    return undefined;
  }
  const self = '\u0000current-operation';
  updateOthers(managed, c, req.ignored, self, true);
  const set = c.modified
    .union(c.added)
    .difference(c.removed)
    .recursiveDifference(req.ignored)
    .difference(stripSet);
  if (!set.empty()) {
    const info = {
      manager: req.manager === '' ? 'unknown' : req.manager,
      operation: 'Update' as const,
      apiVersion: req.apiVersion,
      subresource: req.subresource,
    };
    const id = identifier(info);
    const prev = managed.get(id);
    managed.set(id, { ...info, time: req.now, set: prev ? set.union(prev.set) : set });
  }
  capUpdateManagers(managed);
  return encode(managed);
}

/** One conflicting field and the manager (identifier) that owns it. */
interface Conflict {
  manager: ManagerSet;
  path: FieldPath;
}

/** printManager of kube-apiserver's conflict errors: `"mgr"`, `"mgr" with subresource "status"`, `… using apps/v1`. */
function printManager(m: ManagerSet): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource !== '') s = `${s} with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') return `${s} using ${m.apiVersion}`;
  return s;
}

/** NewConflictError: 409 with one FieldManagerConflict cause per field, message as kube-apiserver writes it. */
function conflictError(conflicts: Conflict[]): ServerApiError {
  const causes: StatusCause[] = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(c.manager)}`,
    field: pathString(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    const c = conflicts[0]!;
    message = `Apply failed with 1 conflict: conflict with ${printManager(c.manager)}: ${pathString(c.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const k = printManager(c.manager);
      byManager.set(k, [...(byManager.get(k) ?? []), pathString(c.path)]);
    }
    const lines: string[] = [];
    for (const k of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${k}:`);
      for (const p of byManager.get(k)!) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ServerApiError(failure(409, 'Conflict', message, { causes }));
}

/** The result of an apply. */
export interface Applied {
  /** The object to store (without `managedFields`); `live` itself when nothing changed. */
  object: Obj;
  /** Whether the object changed. */
  changed: boolean;
  managedFields: ManagedFieldsEntry[];
}

/**
 * Server-side apply of `config` to `live` (FieldManager.Apply over merge.Updater.Apply): merges
 * the configuration, gives `manager` an Apply entry with exactly the fields it sets, removes the
 * fields it applied last time and no longer does when no other manager owns them (prune), and —
 * unless `force` — throws a 409 when a field it changes is owned by another manager. With `force`
 * the other managers lose the fields. Shared ownership: setting a field to the value it has is
 * no conflict, and both managers own it. Throws 400 when `config` carries `managedFields`.
 */
export function applyManagedFields(
  live: Obj,
  config: Obj,
  req: FieldManagerRequest & { force: boolean },
): Applied {
  if (config.metadata !== undefined && config.metadata.managedFields !== undefined)
    throw new ServerApiError(failure(400, 'BadRequest', 'metadata.managedFields must be nil'));
  const managed = decodeOrEmpty(live.metadata?.managedFields);
  const liveObj = withoutManagedFields(live);
  const schema = req.schema;
  let merged = merge(liveObj, config, schema) as Obj;
  const info = {
    manager: req.manager,
    operation: 'Apply' as const,
    apiVersion: req.apiVersion,
    subresource: req.subresource,
  };
  const id = identifier(info);
  const last = managed.get(id);
  const set = toFieldSet(config, schema).recursiveDifference(req.ignored);
  managed.set(id, { ...info, time: last?.time, set });
  if (last !== undefined && !last.set.empty()) merged = prune(merged, managed, last.set, schema);
  const c = compare(liveObj, merged, schema);
  const conflicts = updateOthers(managed, c, req.ignored, id, req.force);
  if (conflicts.size > 0) {
    // Differs from kube-apiserver, which lists the managers in Go map order (random): by name.
    const list: Conflict[] = [];
    const ids = [...conflicts.keys()].sort(
      (a, b) => cmp(managed.get(a)!.manager, managed.get(b)!.manager) || cmp(a, b),
    );
    for (const mid of ids)
      for (const path of conflicts.get(mid)!.paths())
        list.push({ manager: managed.get(mid)!, path });
    throw conflictError(list);
  }
  const stripped = set.difference(stripSet);
  const changed = !isSame(c);
  if (stripped.empty()) managed.delete(id);
  else managed.set(id, { ...info, time: changed ? req.now : last?.time, set: stripped });
  capUpdateManagers(managed);
  return { object: changed ? merged : liveObj, changed, managedFields: encode(managed) };
}

/** merge.Updater.prune: removes what the applier applied last time, no longer applies, and no manager owns. */
function prune(merged: Obj, managed: Managed, lastSet: FieldSet, schema: SchemaNode): Obj {
  let owned = new FieldSet();
  for (const m of managed.values()) owned = owned.union(m.set);
  const mergedSet = toFieldSet(merged, schema);
  let pruned = removeItems(merged, lastSet, schema);
  let prunedSet = toFieldSet(pruned, schema);
  pruned = removeItems(merged, mergedSet.difference(prunedSet.union(owned)), schema);
  prunedSet = toFieldSet(pruned, schema);
  return (removeItems(merged, mergedSet.difference(prunedSet).intersection(lastSet), schema) ??
    {}) as Obj;
}

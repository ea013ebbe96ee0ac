// The walks structured-merge-diff makes over two objects with their schema (typed/compare.go,
// typed/merge.go, typed/tofieldset.go, typed/remove.go): which fields one write added, removed
// or modified; the fields an applied configuration sets; merging a configuration into an object
// (associative lists by their keys, in the order the merge walker keeps); removing fields.
import { jsonEqual } from '../json-equal.js';
import { FieldSet } from './field-set.js';
import { serializePathElement, type FieldPath, type PathElement } from './path-element.js';
import { fieldSchema, isDeclared, type SchemaNode } from './schema.js';

type Obj = Record<string, unknown>;
const isRecord = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** An object the field manager cannot walk (an associative list item without its key). */
export class FieldPathError extends Error {
  override readonly name = 'FieldPathError';
}

/** What changed from one object to another (typed.Comparison). */
export interface Comparison {
  readonly added: FieldSet;
  readonly removed: FieldSet;
  readonly modified: FieldSet;
}

/** Whether a comparison found no change. */
export const isSame = (c: Comparison): boolean =>
  c.added.empty() && c.removed.empty() && c.modified.empty();

/** The path element of list item `item` (a keyed list's key, a set's value). */
function itemElement(node: SchemaNode, item: unknown, at: FieldPath): PathElement {
  if (node.kind === 'set') return { value: item };
  if (node.kind !== 'keyedList') throw new FieldPathError('not an associative list');
  if (!isRecord(item))
    throw new FieldPathError(
      `${pathLabel(at)}: associative list with keys may not have non-map elements`,
    );
  const key: [string, unknown][] = [];
  for (const k of node.keys) {
    const v = item[k] ?? node.keyDefaults?.[k];
    if (v === undefined)
      throw new FieldPathError(
        `${pathLabel(at)}: associative list with keys has an element that omits key field ${JSON.stringify(k)} (and doesn't have default value)`,
      );
    key.push([k, v]);
  }
  key.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { key };
}

const pathLabel = (p: FieldPath): string =>
  p.map((pe) => ('field' in pe ? `.${pe.field}` : `[${serializePathElement(pe)}]`)).join('');

/** A list's items by path element (the first of duplicates wins), in order. */
function indexList(
  node: SchemaNode,
  list: readonly unknown[],
  at: FieldPath,
): { order: string[]; items: Map<string, { pe: PathElement; item: unknown }> } {
  const order: string[] = [];
  const items = new Map<string, { pe: PathElement; item: unknown }>();
  for (const item of list) {
    const pe = itemElement(node, item, at);
    const k = serializePathElement(pe);
    order.push(k);
    if (!items.has(k)) items.set(k, { pe, item });
  }
  return { order, items };
}

const isLeaf = (node: SchemaNode, a: unknown, b: unknown): boolean => {
  if (node.kind === 'atomic') return true;
  const fits = node.kind === 'map' ? isRecord : Array.isArray;
  const ok = (v: unknown) => v === undefined || v === null || fits(v);
  return !ok(a) || !ok(b);
};
const emptyish = (v: unknown): boolean =>
  v === undefined ||
  v === null ||
  (Array.isArray(v) ? v.length === 0 : isRecord(v) && Object.keys(v).length === 0);

/** typed.TypedValue.Compare: the fields added, removed and modified from `lhs` to `rhs`. */
export function compare(lhs: unknown, rhs: unknown, schema: SchemaNode): Comparison {
  const c: Comparison = {
    added: new FieldSet(),
    removed: new FieldSet(),
    modified: new FieldSet(),
  };
  const leaf = (l: unknown, r: unknown, path: FieldPath): void => {
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
    else if (!jsonEqual(l, r)) c.modified.insert(path);
  };
  const hook = (l: unknown, r: unknown, path: FieldPath): void => {
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
  };
  const walk = (l: unknown, r: unknown, node: SchemaNode, path: FieldPath): void => {
    if (isLeaf(node, l, r) || (emptyish(l) && emptyish(r))) {
      if (path.length > 0) leaf(l, r, path);
      return;
    }
    if (node.kind === 'map') {
      const lo = isRecord(l) ? l : {};
      const ro = isRecord(r) ? r : {};
      for (const k of new Set([...Object.keys(lo), ...Object.keys(ro)])) {
        const p = [...path, { field: k }];
        walk(lo[k], ro[k], fieldSchema(node, k, ro[k] ?? lo[k]), p);
        hook(lo[k], ro[k], p);
      }
      return;
    }
    const li = indexList(node, Array.isArray(l) ? l : [], path);
    const ri = indexList(node, Array.isArray(r) ? r : [], path);
    const elem =
      node.kind === 'keyedList'
        ? (node.elem ?? { kind: 'map', elem: 'typed', declared: true })
        : { kind: 'atomic' as const };
    for (const k of new Set([...li.items.keys(), ...ri.items.keys()])) {
      const a = li.items.get(k);
      const b = ri.items.get(k);
      const p = [...path, (a ?? b)!.pe];
      walk(a?.item, b?.item, elem, p);
      hook(a?.item, b?.item, p);
    }
  };
  walk(lhs, rhs, schema, []);
  return c;
}

const itemSchema = (node: SchemaNode): SchemaNode =>
  node.kind === 'keyedList'
    ? (node.elem ?? { kind: 'map', elem: 'typed', declared: true })
    : { kind: 'atomic' };

/**
 * typed.TypedValue.ToFieldSet: the fields an applied configuration sets — its leaves, list items,
 * map entries that are not declared struct fields, and empty or null maps.
 */
export function toFieldSet(value: unknown, schema: SchemaNode): FieldSet {
  const out = new FieldSet();
  const walk = (v: unknown, node: SchemaNode, path: FieldPath): void => {
    if (node.kind === 'atomic' || isLeaf(node, v, undefined)) {
      if (path.length > 0) out.insert(path);
      return;
    }
    if (node.kind === 'map') {
      if (!isRecord(v)) return;
      for (const [k, child] of Object.entries(v)) {
        const p = [...path, { field: k }];
        walk(child, fieldSchema(node, k, child), p);
        if (child === null || (isRecord(child) && Object.keys(child).length === 0)) out.insert(p);
        else if (!isDeclared(node, k)) out.insert(p);
      }
      return;
    }
    if (!Array.isArray(v)) return;
    const elem = itemSchema(node);
    for (const item of v) {
      const p = [...path, itemElement(node, item, path)];
      walk(item, elem, p);
      out.insert(p);
    }
  };
  walk(value, schema, []);
  return out;
}

/**
 * typed.TypedValue.Merge with the keep-right rule: `rhs` (an applied configuration) merged into
 * `lhs`: leaves and atomic fields from `rhs`, maps field by field, associative lists and sets item
 * by item, in the order structured-merge-diff's merge walker produces.
 */
export function merge(lhs: unknown, rhs: unknown, schema: SchemaNode): unknown {
  const walk = (l: unknown, r: unknown, node: SchemaNode, path: FieldPath): unknown => {
    if (r === undefined) return l;
    if (l === undefined) return r;
    if (isLeaf(node, l, r) || (emptyish(l) && emptyish(r))) return r;
    if (node.kind === 'map') {
      const lo = isRecord(l) ? l : {};
      const ro = isRecord(r) ? r : {};
      const out: Obj = {};
      for (const k of Object.keys(lo))
        out[k] =
          k in ro
            ? walk(lo[k], ro[k], fieldSchema(node, k, ro[k] ?? lo[k]), [...path, { field: k }])
            : lo[k];
      for (const k of Object.keys(ro)) if (!(k in lo)) out[k] = ro[k];
      return out;
    }
    return mergeList(Array.isArray(l) ? l : [], Array.isArray(r) ? r : [], node, path, (a, b, pe) =>
      walk(a, b, itemSchema(node), [...path, pe]),
    );
  };
  return walk(lhs, rhs, schema, []);
}

/** mergingWalker.visitListItems: items of both lists, shared ones merged, in its interleaved order. */
function mergeList(
  l: readonly unknown[],
  r: readonly unknown[],
  node: SchemaNode,
  path: FieldPath,
  mergeItem: (a: unknown, b: unknown, pe: PathElement) => unknown,
): unknown[] {
  const li = indexList(node, l, path);
  const ri = indexList(node, r, path);
  const shared = ri.order.filter((k) => li.items.has(k));
  let next = 0;
  const merged = new Set<string>();
  const out: unknown[] = [];
  const take = (k: string): void => {
    merged.add(k);
    const a = li.items.get(k);
    const b = ri.items.get(k)!;
    out.push(mergeItem(a?.item, b.item, b.pe));
    if (shared[next] === k) next++;
  };
  let lI = 0;
  let rI = 0;
  while (lI < li.order.length || rI < ri.order.length) {
    if (lI < li.order.length && rI < ri.order.length) {
      const k = li.order[lI]!;
      if (k === ri.order[rI]) {
        if (!merged.has(k)) take(k);
        lI++;
        rI++;
        continue;
      }
      if (ri.items.has(k) && next < shared.length && shared[next] !== k) {
        lI++;
        continue;
      }
    }
    if (lI < li.order.length) {
      const k = li.order[lI]!;
      if (!ri.items.has(k)) {
        out.push(li.items.get(k)!.item);
        lI++;
        continue;
      }
      if (merged.has(k)) {
        lI++;
        continue;
      }
    }
    if (rI < ri.order.length) {
      const k = ri.order[rI]!;
      if (!merged.has(k)) take(k);
      rI++;
    }
  }
  return out;
}

/**
 * typed.TypedValue.RemoveItems: `value` without the fields of `set` (a member removes the whole
 * field or item; atomic fields are not entered). A map or list left empty by the removal is
 * dropped (undefined). Differs from structured-merge-diff, whose walker leaves `null` there (which
 * a built-in kind's Go type then drops too; a custom resource would keep `null`).
 */
export function removeItems(value: unknown, set: FieldSet, schema: SchemaNode): unknown {
  const walk = (v: unknown, s: FieldSet, node: SchemaNode, path: FieldPath): unknown => {
    if (node.kind === 'atomic' || isLeaf(node, v, undefined) || emptyish(v)) return v;
    if (node.kind === 'map') {
      const out: Obj = {};
      for (const [k, child] of Object.entries(v as Obj)) {
        const key = serializePathElement({ field: k });
        if (s.members.has(key)) continue;
        const sub = s.child(key);
        const kept = sub
          ? walk(child, sub, fieldSchema(node, k, child), [...path, { field: k }])
          : child;
        if (kept !== undefined) out[k] = kept;
      }
      return Object.keys(out).length > 0 ? out : undefined;
    }
    const out: unknown[] = [];
    for (const item of v as unknown[]) {
      const pe = itemElement(node, item, path);
      const key = serializePathElement(pe);
      if (s.members.has(key)) continue;
      const sub = s.child(key);
      const kept = sub ? walk(item, sub, itemSchema(node), [...path, pe]) : item;
      if (kept !== undefined) out.push(kept);
    }
    return out.length > 0 ? out : undefined;
  };
  return walk(value, set, schema, []);
}

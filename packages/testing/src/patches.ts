// The patch formats the in-process API server accepts: RFC 7386 JSON merge patch, a schema-free
// subset of strategic merge patch (see strategicMergePatch and the README) and RFC 6902 JSON Patch.
import { invalid } from './status.js';

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

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A strategic merge patch without the Go types' schema: a JSON merge patch, except that
 * - a list whose patch carries `$setElementOrder/<list>` (as `kubectl apply` and
 *   `kubectl patch` compute them for lists with a merge key) is merged by key: the key is the one
 *   field of the order's entries (`name`, `containerPort`, …) — elements are merged by it, an
 *   element with `$patch: delete` removes its match, and the result follows the order with elements
 *   only on the server appended; a primitive list with an order is merged as a set, minus the
 *   values under `$deleteFromPrimitiveList/<list>`;
 * - `$patch: replace` / `$patch: delete` on a map replace / remove it, and `$retainKeys` keeps
 *   only the listed fields (plus those in the patch).
 * A keyed list without `$setElementOrder` is replaced, as in a merge patch (the server does not
 * know which lists have merge keys).
 */
export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return patch;
  if (patch.$patch === 'delete') return undefined;
  let out: Obj = isObj(target) && patch.$patch !== 'replace' ? { ...target } : {};
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) {
    const keep = new Set([...retain.map(String), ...Object.keys(patch)]);
    out = Object.fromEntries(Object.entries(out).filter(([k]) => keep.has(k)));
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (v === null) {
      Reflect.deleteProperty(out, k);
      continue;
    }
    const order = patch[`$setElementOrder/${k}`];
    const next = Array.isArray(order)
      ? mergeList(out[k], Array.isArray(v) ? v : [], order, patch[`$deleteFromPrimitiveList/${k}`])
      : strategicMergePatch(out[k], v);
    if (next === undefined) Reflect.deleteProperty(out, k);
    else out[k] = next;
  }
  // An order or deletion for a list the patch does not otherwise touch (only reordered/deleted).
  for (const [k, order] of Object.entries(patch)) {
    const m = /^\$(setElementOrder|deleteFromPrimitiveList)\/(.+)$/.exec(k);
    if (!m || m[2]! in patch) continue;
    const list = m[2]!;
    out[list] = mergeList(
      out[list],
      [],
      m[1] === 'setElementOrder' ? order : patch[`$setElementOrder/${list}`],
      patch[`$deleteFromPrimitiveList/${list}`],
    );
  }
  return out;
}

function mergeList(current: unknown, patch: unknown[], order: unknown, del: unknown): unknown[] {
  const cur: unknown[] = Array.isArray(current) ? current : [];
  const orderList: unknown[] = Array.isArray(order) ? order : [];
  const keyOfOrder = orderList.find(isObj);
  if (keyOfOrder === undefined && !patch.some(isObj)) {
    // A set of primitives: union, minus the deleted values, in the given order.
    const drop = new Set((Array.isArray(del) ? del : []).map((x) => JSON.stringify(x)));
    const all = [...orderList, ...cur, ...patch].filter((x) => !drop.has(JSON.stringify(x)));
    return [...new Map(all.map((x) => [JSON.stringify(x), x])).values()];
  }
  const mergeKey = Object.keys(keyOfOrder ?? patch.find(isObj) ?? {}).find((k) => k !== '$patch');
  if (mergeKey === undefined) return patch;
  const id = (x: unknown): string => JSON.stringify(isObj(x) ? x[mergeKey] : x);
  const byKey = new Map<string, unknown>(cur.map((x) => [id(x), x]));
  for (const p of patch) {
    const k = id(p);
    const merged = strategicMergePatch(byKey.get(k), p);
    if (merged === undefined) byKey.delete(k);
    else byKey.set(k, merged);
  }
  const ordered: unknown[] = [];
  for (const o of orderList) {
    const k = id(o);
    if (byKey.has(k)) {
      ordered.push(byKey.get(k));
      byKey.delete(k);
    }
  }
  return [...ordered, ...byKey.values()];
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

// The patch formats the in-process API server accepts: RFC 7386 JSON merge patch (also used for
// strategic merge patches, see the README) and RFC 6902 JSON Patch.
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

// kubecache's own: a total, bounded description of any JavaScript value, for logs and error
// messages. `String(value)` and `JSON.stringify(value)` run user code (toString, getters, toJSON,
// Proxy traps) and can throw, loop on cycles or build megabytes; this never does.

/** What a value whose inspection throws (a revoked Proxy, throwing traps) is described as. */
export const uninspectable = '[object that cannot be inspected]';

/** Default of `maxLength` of {@link inspectValue}, in characters. */
export const defaultInspectLength = 512;

const maxDepth = 3;
const maxEntries = 20;

/** Cuts `text` to `max` characters, the last being `…`. */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text;
}

/** Reads `obj[key]`; `undefined` when the read throws (a getter, a Proxy trap, a revoked Proxy). */
export function safeGet(obj: unknown, key: PropertyKey): unknown {
  try {
    return (obj as Record<PropertyKey, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** `value instanceof Error`, false when the check throws (a Proxy's getPrototypeOf trap). */
export function isErrorInstance(value: unknown): value is Error {
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}

function functionText(value: unknown): string {
  const name = safeGet(value, 'name');
  return typeof name === 'string' && name !== ''
    ? `[function ${truncate(name, 64)}]`
    : '[function]';
}

function primitiveText(value: unknown, max: number): string | undefined {
  switch (typeof value) {
    case 'string':
      return truncate(value, max);
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'bigint':
      return truncate(`${value.toString()}n`, max);
    case 'symbol':
      return truncate(Symbol.prototype.toString.call(value), max);
    case 'function':
      return functionText(value);
    case 'object':
      return value === null ? 'null' : undefined;
  }
}

/** Appends the JSON-like text of `value` to `out` while `out` has budget. */
function walk(
  value: unknown,
  out: string[],
  budget: { left: number },
  depth: number,
  seen: Set<object>,
): void {
  const push = (text: string): void => {
    out.push(text);
    budget.left -= text.length;
  };
  if (budget.left <= 0) return;
  if (typeof value === 'string') {
    push(JSON.stringify(truncate(value, Math.max(8, budget.left))));
    return;
  }
  const primitive = primitiveText(value, Math.max(8, budget.left));
  if (primitive !== undefined) {
    push(
      typeof value === 'symbol' || typeof value === 'function'
        ? JSON.stringify(primitive)
        : primitive,
    );
    return;
  }
  const obj = value as object;
  if (seen.has(obj)) {
    push('"[circular]"');
    return;
  }
  if (isErrorInstance(obj)) {
    const name = safeGet(obj, 'name');
    const message = safeGet(obj, 'message');
    push(
      JSON.stringify(
        `[${typeof name === 'string' ? truncate(name, 64) : 'Error'}: ${typeof message === 'string' ? truncate(message, Math.max(8, budget.left)) : ''}]`,
      ),
    );
    return;
  }
  if (depth >= maxDepth) {
    push(Array.isArray(obj) ? '[…]' : '{…}');
    return;
  }
  seen.add(obj);
  const start = out.length;
  try {
    if (Array.isArray(obj)) {
      push('[');
      const n = obj.length;
      for (let i = 0; i < n && i < maxEntries; i++) {
        if (i > 0) push(',');
        if (budget.left <= 0) break;
        walk(safeGet(obj, i), out, budget, depth + 1, seen);
      }
      if (n > maxEntries) push(`,"… ${n - maxEntries} more"`);
      push(']');
      return;
    }
    const keys = Object.keys(obj);
    push('{');
    for (let i = 0; i < keys.length && i < maxEntries; i++) {
      if (budget.left <= 0) break;
      const key = keys[i]!;
      push(`${i > 0 ? ',' : ''}${JSON.stringify(truncate(key, 64))}:`);
      walk(safeGet(obj, key), out, budget, depth + 1, seen);
    }
    if (keys.length > maxEntries) push(`,"…":"${keys.length - maxEntries} more keys"`);
    push('}');
  } catch {
    // A Proxy trap or a revoked Proxy: what was written of this object is replaced.
    out.length = start;
    push(JSON.stringify(uninspectable));
  } finally {
    seen.delete(obj);
  }
}

/**
 * Describes any value in at most `maxLength` characters, without ever throwing: strings as they
 * are, other primitives with `String`, symbols as `Symbol(desc)`, functions as `[function name]`,
 * objects and arrays as compact JSON (3 levels deep, 20 entries each, cycles as `"[circular]"`,
 * errors inside as `"[Name: message]"`, throwing getters as `undefined`), and objects whose
 * inspection throws (a revoked Proxy) as {@link uninspectable}. No user code runs except
 * property getters and Proxy traps, whose exceptions are caught; `toString`, `toJSON` and
 * `Symbol.toPrimitive` are never called.
 *
 * @param value - anything.
 * @param maxLength - the longest result, in characters (default 512); longer text ends in `…`.
 * @returns the description; never throws.
 */
export function inspectValue(value: unknown, maxLength: number = defaultInspectLength): string {
  const max = Math.max(
    8,
    Math.floor(Number.isFinite(maxLength) ? maxLength : defaultInspectLength),
  );
  try {
    const primitive = primitiveText(value, max);
    if (primitive !== undefined) return truncate(primitive, max);
    const out: string[] = [];
    walk(value, out, { left: max }, 0, new Set());
    const text = out.join('');
    return truncate(text === JSON.stringify(uninspectable) ? uninspectable : text, max);
  } catch {
    return truncate(uninspectable, max);
  }
}

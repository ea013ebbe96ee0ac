// Path elements of a field path, as kubernetes-sigs/structured-merge-diff (fieldpath/element.go,
// fieldpath/serialize-pe.go) defines them: a field name (`f:`), the key of an associative list item
// (`k:`), the value of a set item (`v:`) or an index (`i:`); their total order (every set is kept
// and serialised in it) and their two spellings — the `fieldsV1` key and the one conflict messages
// print (`.spec.containers[name="app"].image`).

/** One step of a field path. */
export type PathElement =
  /** A field of a map or struct: `f:<name>`, printed `.name`. */
  | { readonly field: string }
  /** An associative list item by its key fields, sorted by name: `k:{"name":"x"}`, printed `[name="x"]`. */
  | { readonly key: readonly (readonly [string, unknown])[] }
  /** A set item by its value: `v:"x"`, printed `[="x"]`. */
  | { readonly value: unknown }
  /** A list item by index: `i:0`, printed `[0]`. */
  | { readonly index: number };

/** A field path: the elements from the object's root. */
export type FieldPath = readonly PathElement[];

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * JSON as Go's encoding/json (and json-iterator's standard-compatible mode) writes it: map keys
 * sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped.
 */
export function goJson(v: unknown): string {
  const sorted = (x: unknown): unknown =>
    Array.isArray(x)
      ? x.map(sorted)
      : isRecord(x)
        ? Object.fromEntries(
            Object.keys(x)
              .sort()
              .map((k) => [k, sorted(x[k])]),
          )
        : x;
  return JSON.stringify(sorted(v))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The `fieldsV1` spelling of a path element (`f:name`, `k:{"name":"x"}`, `v:"x"`, `i:0`). */
export function serializePathElement(pe: PathElement): string {
  if ('field' in pe) return `f:${pe.field}`;
  if ('key' in pe) return `k:{${pe.key.map(([n, v]) => `${goJson(n)}:${goJson(v)}`).join(',')}}`;
  if ('value' in pe) return `v:${goJson(pe.value)}`;
  return `i:${pe.index}`;
}

/** Parses a `fieldsV1` key; throws on an unknown prefix or bad JSON. */
export function deserializePathElement(s: string): PathElement {
  const body = s.slice(2);
  if (s[1] !== ':') throw new Error(`missing colon: ${s}`);
  switch (s[0]) {
    case 'f':
      return { field: body };
    case 'k': {
      const o: unknown = JSON.parse(body);
      if (!isRecord(o)) throw new Error(`key is not an object: ${s}`);
      return { key: Object.entries(o).sort(([a], [b]) => compareStrings(a, b)) };
    }
    case 'v':
      return { value: JSON.parse(body) as unknown };
    case 'i': {
      const i = Number(body);
      if (!Number.isInteger(i)) throw new Error(`bad index: ${s}`);
      return { index: i };
    }
    case undefined:
    default:
      throw new Error('unknown path element type');
  }
}

/** Byte order of two strings (Go's strings.Compare; UTF-16 order equals it outside astral planes). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const rank = (v: unknown): number =>
  typeof v === 'number'
    ? 0
    : typeof v === 'string'
      ? 1
      : typeof v === 'boolean'
        ? 2
        : Array.isArray(v)
          ? 3
          : isRecord(v)
            ? 4
            : 5;

/** The order of structured-merge-diff's value.Compare: numbers, strings, booleans, lists, maps, null. */
export function compareValues(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareValues(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length < 0 ? -1 : a.length > b.length ? 1 : 0;
  }
  if (isRecord(a) && isRecord(b)) {
    const ea = Object.entries(a).sort(([x], [y]) => compareStrings(x, y));
    const eb = Object.entries(b).sort(([x], [y]) => compareStrings(x, y));
    return compareKeys(ea, eb);
  }
  return 0;
}

function compareKeys(
  a: readonly (readonly [string, unknown])[],
  b: readonly (readonly [string, unknown])[],
): number {
  for (let i = 0; ; i++) {
    if (i >= a.length && i >= b.length) return 0;
    if (i >= a.length) return -1;
    if (i >= b.length) return 1;
    const c = compareStrings(a[i]![0], b[i]![0]) || compareValues(a[i]![1], b[i]![1]);
    if (c !== 0) return c;
  }
}

const kindRank = (pe: PathElement): number =>
  'field' in pe ? 0 : 'key' in pe ? 1 : 'value' in pe ? 2 : 3;

/** PathElement.Compare: fields, then keys, then values, then indexes; each by its content. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  const ka = kindRank(a);
  const kb = kindRank(b);
  if (ka !== kb) return ka < kb ? -1 : 1;
  if ('field' in a && 'field' in b) return compareStrings(a.field, b.field);
  if ('key' in a && 'key' in b) return compareKeys(a.key, b.key);
  if ('value' in a && 'value' in b) return compareValues(a.value, b.value);
  const ia = (a as { index: number }).index;
  const ib = (b as { index: number }).index;
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

/** A value as structured-merge-diff's value.ToString prints it (strings quoted). */
function valueString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(valueString).join(',')}]`;
  if (isRecord(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${k}=${valueString(v[k])}`)
      .join(';')}}`;
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

/** A path as conflict messages print it (Path.String): `.spec.ports[port=80,protocol="TCP"]`. */
export function pathString(path: FieldPath): string {
  return path
    .map((pe) =>
      'field' in pe
        ? `.${pe.field}`
        : 'key' in pe
          ? `[${pe.key.map(([n, v]) => `${n}=${valueString(v)}`).join(',')}]`
          : 'value' in pe
            ? `[=${valueString(pe.value)}]`
            : `[${pe.index}]`,
    )
    .join('');
}

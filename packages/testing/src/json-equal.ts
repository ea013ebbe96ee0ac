// Equality of JSON values as kube-apiserver's strategies compare objects before bumping
// `metadata.generation`: apimachinery's equality.Semantic.DeepEqual on the Go types of built-in
// kinds, where an absent field, `null`, `{}` and `[]` all decode to the same zero value, and on
// the unstructured content of custom resources, where they do not.

const isEmpty = (v: unknown): boolean =>
  v === undefined ||
  v === null ||
  (Array.isArray(v) ? v.length === 0 : typeof v === 'object' && Object.keys(v).length === 0);

/**
 * Whether two JSON values are equal, ignoring the order of object keys. With `typed: true`, an
 * absent value, `null`, `{}` and `[]` are all equal (as fields of a built-in kind's Go type decode
 * them to the same zero value); otherwise they differ, as in a custom resource's unstructured
 * content. Numbers compare by value; resource quantities are compared as strings (`"1"` and
 * `"1000m"` differ here, where apimachinery's Semantic equality would find them equal).
 */
export function jsonEqual(a: unknown, b: unknown, options: { typed?: boolean } = {}): boolean {
  const typed = options.typed === true;
  if (a === b) return true;
  if (typed && isEmpty(a) && isEmpty(b)) return true;
  if (typed && (a === undefined || a === null))
    return jsonEqual(Array.isArray(b) ? [] : {}, b, options);
  if (typed && (b === undefined || b === null))
    return jsonEqual(a, Array.isArray(a) ? [] : {}, options);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i], options));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) {
    if (!typed && Object.hasOwn(ao, k) !== Object.hasOwn(bo, k)) return false;
    if (!jsonEqual(ao[k], bo[k], options)) return false;
  }
  return true;
}

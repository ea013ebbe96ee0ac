// Comparable resource versions (KEP-5504, GA in Kubernetes 1.35): apimachinery's
// CompareResourceVersion (k8s.io/apimachinery/pkg/util/resourceversion). A resource version is
// opaque to the API, but kube-apiserver's are positive decimal integers, and since 1.35 clients
// may rely on that to order them — never by comparing the strings as strings ("9" > "10").
import { hasBrand } from './errors.js';

const invalidRvBrand = Symbol.for('@kubecache/core/InvalidResourceVersionError');

/**
 * Thrown by {@link compareResourceVersion} for a resource version that is not comparable: not a
 * positive decimal integer without leading zeros (`''`, `'0'`, `'007'`, `'12a'`, `'-1'`, `' 1'`,
 * an opaque token of a non-kube-apiserver server). `resourceVersion` is the offending value.
 */
export class InvalidResourceVersionError extends Error {
  override readonly name = 'InvalidResourceVersionError';
  readonly [invalidRvBrand] = true;
  /** The value that is not a comparable resource version. */
  readonly resourceVersion: string;
  /**
   * @param resourceVersion - the value that is not a comparable resource version.
   */
  constructor(resourceVersion: string, options?: ErrorOptions) {
    super(`resource version is not well formed: ${JSON.stringify(resourceVersion)}`, options);
    this.resourceVersion = resourceVersion;
  }
}

/** Type guard for {@link InvalidResourceVersionError} (brand-based: works across duplicate copies). */
export function isInvalidResourceVersionError(err: unknown): err is InvalidResourceVersionError {
  return hasBrand(err, invalidRvBrand);
}

/**
 * True when `rv` can be ordered by {@link compareResourceVersion}: a non-empty string of ASCII
 * digits that does not start with `0` (so `'0'` — "any version" in list and watch requests, never
 * the version of a stored object — is not comparable). apimachinery's `isWellFormed`.
 */
export function isComparableResourceVersion(rv: unknown): rv is string {
  if (typeof rv !== 'string' || rv.length === 0) return false;
  const first = rv.charCodeAt(0);
  if (first < 0x31 || first > 0x39) return false; // '1'…'9'
  for (let i = 1; i < rv.length; i++) {
    const c = rv.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * Orders two resource versions of the same resource as integers, with apimachinery's rules
 * (`CompareResourceVersion`, KEP-5504): `-1` when `a` is older than `b`, `0` when equal, `1`
 * when newer. No size limit: the longer string is the larger number, equal lengths compare digit
 * by digit, so versions beyond 2^64 order correctly and nothing is parsed.
 *
 * @param a - a resource version, e.g. `'10245'`.
 * @param b - another resource version of the same resource.
 * @returns `-1`, `0` or `1`.
 * @throws {@link InvalidResourceVersionError} when `a` or `b` is not a positive decimal integer
 *   without leading zeros (checked in that order) — never falls back to a string comparison.
 */
export function compareResourceVersion(a: string, b: string): -1 | 0 | 1 {
  if (!isComparableResourceVersion(a)) throw new InvalidResourceVersionError(String(a));
  if (!isComparableResourceVersion(b)) throw new InvalidResourceVersionError(String(b));
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  if (a === b) return 0;
  return a < b ? -1 : 1; // same length, digits only: code-unit order is numeric order
}

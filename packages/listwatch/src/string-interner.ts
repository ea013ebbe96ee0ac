// One copy of each repeated string value across decoded objects. `JSON.parse` gives every string
// value of 11 characters or more its own heap copy, so the image, node name, owner name,
// timestamps, mount paths and label values that thousands of pods repeat are held thousands of
// times. The ListWatch's decoders pass each object they parse through an interner (on by
// default, `internStrings`), which swaps each such value for the first copy of its text.
//
// Strings are values in JavaScript: which copy a property holds cannot be observed, so unlike the
// shared fieldsV1 objects (frozen) nothing about the objects changes for readers or writers.
//
// Differs from client-go: Go decodes every string into its own allocation (its protobuf path
// shares nothing either); this is a JavaScript answer to the same memory, on by default.

/** Options of {@link createStringInterner}. */
export interface StringInternerOptions {
  /**
   * Strings kept in the table at most. When it is full the table is dropped and refilled (objects
   * already decoded keep their shared copies), so memory stays bounded whatever the churn.
   * Default 50,000 (a few MB of table at most: the strings themselves are held by the objects).
   */
  maxEntries?: number;
  /**
   * Only strings at least this long are interned. Default 11: V8's `JSON.parse` already shares
   * string values of up to 10 characters, and object keys are always shared.
   */
  minLength?: number;
  /** Longer strings (certificates, embedded documents) are left alone. Default 512. */
  maxLength?: number;
}

/**
 * An interner made by {@link createStringInterner}: called with an object, it rewrites that
 * object's string values in place to the table's copies and returns the same object. `size` is
 * the number of strings in its table; `hits` counts the values swapped for a copy already held
 * since creation.
 */
export type StringInterner<T = unknown> = ((obj: T) => T) & {
  readonly size: number;
  readonly hits: number;
};

/** Nesting below which an object's strings are left as they are (JSON can nest deeper). */
const maxDepth = 64;

/**
 * Creates a string interner: a function that makes equal string values of the objects it is
 * given share one copy (values from `minLength` to `maxLength` characters; keys are shared by V8
 * already). Objects and arrays are walked to a depth of 64; frozen ones (the ListWatch's shared
 * `managedFields[].fieldsV1`, an informer's `freezeObjects`) are skipped, being shared already and
 * not writable.
 *
 * Contract: the object is rewritten **in place** and returned, so give it only objects nobody
 * else holds yet (fresh from a decoder, or an informer's transform input). The result is
 * deep-equal to the input: only which copy of an equal string a property holds changes, which
 * JavaScript cannot observe. One interner may serve several ListWatches or informers; its table
 * then serves them all. Throws a RangeError when `maxEntries` is not positive.
 *
 * Not in client-go (see the module comment).
 */
export function createStringInterner<T = unknown>(
  options: StringInternerOptions = {},
): StringInterner<T> {
  const maxEntries = options.maxEntries ?? 50_000;
  const minLength = options.minLength ?? 11;
  const maxLength = options.maxLength ?? 512;
  if (!(maxEntries > 0)) throw new RangeError('maxEntries must be positive');
  let table = new Map<string, string>();
  let hits = 0;

  /** The table's copy of `s` when it holds one (a hit); else undefined, `s` entering the table. */
  const shared = (s: string): string | undefined => {
    if (s.length < minLength || s.length > maxLength) return undefined;
    const copy = table.get(s);
    if (copy !== undefined) {
      hits++;
      return copy;
    }
    if (table.size >= maxEntries) table = new Map();
    table.set(s, s);
    return undefined;
  };

  // Written only on a hit: a keyed store costs more than the read, and most values are seen for
  // the first time (they become the table's copy) or are too short or too long.
  const walk = (v: object, depth: number): void => {
    if (depth > maxDepth || Object.isFrozen(v)) return;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x === 'string') {
          const copy = shared(x);
          if (copy !== undefined) v[i] = copy;
        } else if (x !== null && typeof x === 'object') walk(x, depth + 1);
      }
      return;
    }
    const o = v as Record<string, unknown>;
    for (const k in o) {
      const x = o[k];
      if (typeof x === 'string') {
        const copy = shared(x);
        // An own `__proto__` member (JSON.parse makes one) is left alone: assigning it would go
        // through the prototype setter.
        if (copy !== undefined && k !== '__proto__') o[k] = copy;
      } else if (x !== null && typeof x === 'object') walk(x, depth + 1);
    }
  };

  const intern = (obj: T): T => {
    if (obj !== null && typeof obj === 'object') walk(obj, 0);
    return obj;
  };
  return Object.defineProperties(intern, {
    size: { get: () => table.size },
    hits: { get: () => hits },
  }) as StringInterner<T>;
}

// Port of k8s.io/client-go/tools/cache/index.go and thread_safe_store.go (client-go v1.36).
import {
  compareResourceVersion,
  hasBrand,
  isComparableResourceVersion,
  type KubeObject,
} from '@kubecache/core';
import { metaNamespaceKeyFunc } from './keys.js';
import type { KeyFunc, Store } from './store.js';

/**
 * Computes the index values of an object (e.g. its namespace). May return several values.
 *
 * Declared as a method type (checked bivariantly) so that an `Indexer<Pod>` — and an informer of
 * pods — can be passed where an `Indexer<KubeObject>` is expected, as with the other methods.
 */
export type IndexFunc<T = KubeObject> = { bivarianceHack(obj: T): string[] }['bivarianceHack'];

/** Named index functions. */
export type Indexers<T = KubeObject> = Record<string, IndexFunc<T>>;

/** The name of the namespace index. */
export const namespaceIndex = 'namespace';

/**
 * Indexes an object by its namespace (`''` for cluster-scoped objects). Throws a `TypeError` for
 * an object without `metadata`, which the indexer reports as an {@link IndexError}.
 */
export function metaNamespaceIndexFunc(obj: KubeObject): string[] {
  const meta = (obj as KubeObject | null | undefined)?.metadata;
  if (meta === null || typeof meta !== 'object') {
    throw new TypeError('object has no metadata');
  }
  const ns = meta.namespace;
  return [typeof ns === 'string' ? ns : ''];
}

const indexErrorBrand = Symbol.for('@kubecache/store/IndexError');

/** An index function threw, an index name is unknown, or an indexer name conflicts. */
export class IndexError extends Error {
  override readonly name = 'IndexError';
  readonly [indexErrorBrand] = true;
  /** The index concerned. */
  readonly indexName: string;
  constructor(message: string, indexName: string, options?: ErrorOptions) {
    super(message, options);
    this.indexName = indexName;
  }
}

/** Type guard for {@link IndexError}. */
export function isIndexError(err: unknown): err is IndexError {
  return hasBrand(err, indexErrorBrand);
}

/**
 * A {@link Store} that also maintains secondary indices (client-go `cache.Indexer`).
 *
 * Contract:
 * - Every index is kept consistent with the stored objects after each operation: `byIndex(name,
 *   v)` returns exactly the stored objects whose index function yields `v`.
 * - `addIndexers` may be called when objects already exist: the new indices are built from the
 *   current content. Re-adding an existing index name is an {@link IndexError}.
 * - If an index function throws, the operation fails with an {@link IndexError} and neither the
 *   objects nor any index change (all index values are computed before anything is mutated).
 * - Unknown index names throw an {@link IndexError}.
 */
export interface Indexer<T = KubeObject> extends Store<T> {
  /** Stored objects that share an index value with `obj` under index `indexName`. */
  index(indexName: string, obj: T): T[];
  /** Keys of stored objects whose index `indexName` yields `value`. */
  indexKeys(indexName: string, value: string): string[];
  /** Every value currently present in index `indexName`. */
  listIndexFuncValues(indexName: string): string[];
  /** Stored objects whose index `indexName` yields `value`. */
  byIndex(indexName: string, value: string): T[];
  /** The index functions. */
  getIndexers(): Indexers<T>;
  /** Adds index functions and builds them over the current content. */
  addIndexers(indexers: Indexers<T>): void;
  /**
   * The resource version the content has been synced to (client-go 1.36
   * `LastStoreSyncResourceVersion`): `''` until the first `replace`, `add`, `update`, `delete` or
   * `bookmark` that carried one. See {@link ThreadSafeIndexer} for how each moves it.
   */
  lastStoreSyncResourceVersion(): string;
  /**
   * Records a watch bookmark's resource version: nothing changed in the content up to `rv`
   * (client-go 1.36 `Store.Bookmark`). Moves {@link lastStoreSyncResourceVersion} forward only.
   */
  bookmark(resourceVersion: string): void;
}

/** Computes the values of every index for one object; throws an IndexError if a function fails. */
// Differs from client-go: an index function that fails panics in client-go and leaves the map
// half-updated; here every value is computed up front and a failure is a typed IndexError thrown
// before anything is mutated.
function indexValues<T>(list: readonly IndexEntry<T>[], obj: T): string[][] {
  const out: string[][] = new Array<string[]>(list.length);
  for (let i = 0; i < list.length; i++) {
    const [name, fn] = list[i]!;
    let values: string[];
    try {
      values = fn(obj);
    } catch (err) {
      throw new IndexError(`index function ${JSON.stringify(name)} failed: ${String(err)}`, name, {
        cause: err,
      });
    }
    if (!Array.isArray(values)) {
      throw new IndexError(`index function ${JSON.stringify(name)} did not return an array`, name);
    }
    out[i] = values;
  }
  return out;
}

/** The object's `metadata.resourceVersion`, if it has one (never throws). */
function rvOf(obj: unknown): string | undefined {
  try {
    const rv = (obj as KubeObject | null | undefined)?.metadata?.resourceVersion;
    return typeof rv === 'string' ? rv : undefined;
  } catch {
    return undefined;
  }
}

/** One index: its name and function. */
type IndexEntry<T> = readonly [name: string, fn: IndexFunc<T>];

/** Whether two filings hold the same values per index, in the same order. */
function sameValues(a: readonly string[][], b: readonly string[][]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const vs = a[i]!;
    const ws = b[i]!;
    if (ws.length !== vs.length) return false;
    for (let j = 0; j < vs.length; j++) if (vs[j] !== ws[j]) return false;
  }
  return true;
}

/**
 * The map-plus-indices implementation behind {@link createIndexer} and `createStore` (client-go
 * `threadSafeMap` + `storeIndex`). Internal: not exported from the package entry point.
 *
 * @internal
 */
export class ThreadSafeIndexer<T> implements Indexer<T> {
  private items = new Map<string, T>();
  /** index name → value → keys */
  private indices = new Map<string, Map<string, Set<string>>>();
  /** key → the values the key is filed under, one list per entry of `indexList` */
  // Differs from client-go: client-go re-runs the index functions on the old object to find the
  // entries to remove; remembering the values filed makes removal exact even if a caller mutated
  // a cached object (or an index function is not deterministic).
  private filed = new Map<string, string[][]>();
  private indexers: Indexers<T>;
  /** The index functions in a fixed order (what `filed` lists follow). */
  private indexList: IndexEntry<T>[];
  private readonly keyFunc: KeyFunc<T>;
  /** See {@link Indexer.lastStoreSyncResourceVersion}. */
  private rv = '';

  constructor(keyFunc: KeyFunc<T>, indexers: Indexers<T>) {
    this.keyFunc = keyFunc;
    this.indexers = { ...indexers };
    this.indexList = Object.entries(this.indexers);
    for (const name of Object.keys(this.indexers)) this.indices.set(name, new Map());
  }

  add(obj: T): void {
    this.put(this.keyFunc(obj), obj);
    this.advance(rvOf(obj));
  }

  update(obj: T): void {
    this.put(this.keyFunc(obj), obj);
    this.advance(rvOf(obj));
  }

  /**
   * Deletes the object under `obj`'s key. `obj` is the deleted object as the watch delivered it,
   * so its resource version (the deletion's) moves {@link lastStoreSyncResourceVersion}, as
   * client-go 1.36's `DeleteWithObject` does; a tombstone carries none of its own.
   */
  delete(obj: T): void {
    this.deleteKey(this.keyFunc(obj));
    this.advance(rvOf(obj));
  }

  lastStoreSyncResourceVersion(): string {
    return this.rv;
  }

  bookmark(resourceVersion: string): void {
    this.advance(resourceVersion);
  }

  /**
   * Moves the store's resource version to `rv` when it is newer. Both comparable (KEP-5504
   * integers): only forward — an event older than what the store has processed (the synthetic
   * ADDEDs of a watch from RV "0" are not in RV order) never moves it back. Otherwise (an opaque
   * resource version of a non-kube-apiserver server, or none yet) the newest one given wins, as in
   * client-go, which does not compare. `undefined` and `''` change nothing.
   */
  private advance(rv: string | undefined): void {
    if (rv === undefined || rv === '' || rv === this.rv) return;
    if (
      isComparableResourceVersion(rv) &&
      isComparableResourceVersion(this.rv) &&
      compareResourceVersion(rv, this.rv) < 0
    )
      return;
    this.rv = rv;
  }

  list(): T[] {
    return [...this.items.values()];
  }

  listKeys(): string[] {
    return [...this.items.keys()];
  }

  get(obj: T): T | undefined {
    return this.items.get(this.keyFunc(obj));
  }

  getByKey(key: string): T | undefined {
    return this.items.get(key);
  }

  /**
   * Replaces the whole content with a list's `items`; the store's resource version becomes the
   * list's `resourceVersion` (when not empty) even if it is older than the one it had: the content
   * is now that of the list (a relist served by a lagging apiserver really is older), as in
   * client-go, and a read-your-writes wait must not pass on a version the content lacks.
   */
  replace(items: T[], resourceVersion: string): void {
    // Compute every key and index value first, so a failure leaves the store untouched.
    const next = new Map<string, T>();
    const nextFiled = new Map<string, string[][]>();
    for (const obj of items) {
      const key = this.keyFunc(obj);
      next.set(key, obj);
      if (this.indexList.length > 0) nextFiled.set(key, indexValues(this.indexList, obj));
    }
    this.items = next;
    this.filed = new Map();
    for (const name of Object.keys(this.indexers)) this.indices.set(name, new Map());
    for (const [key, values] of nextFiled) this.file(key, values);
    if (resourceVersion !== '') this.rv = resourceVersion;
  }

  resync(): void {
    // Nothing to do for a plain store.
  }

  index(indexName: string, obj: T): T[] {
    const fn = this.indexFunc(indexName);
    let values: string[];
    try {
      values = fn(obj);
    } catch (err) {
      throw new IndexError(
        `index function ${JSON.stringify(indexName)} failed: ${String(err)}`,
        indexName,
        { cause: err },
      );
    }
    const index = this.indices.get(indexName)!;
    const keys = new Set<string>();
    for (const v of values) for (const k of index.get(v) ?? []) keys.add(k);
    return [...keys].map((k) => this.items.get(k)!);
  }

  indexKeys(indexName: string, value: string): string[] {
    this.indexFunc(indexName);
    return [...(this.indices.get(indexName)!.get(value) ?? [])];
  }

  listIndexFuncValues(indexName: string): string[] {
    // Differs from client-go: an unknown index name is an IndexError, not an empty list.
    this.indexFunc(indexName);
    return [...this.indices.get(indexName)!.keys()];
  }

  byIndex(indexName: string, value: string): T[] {
    return this.indexKeys(indexName, value).map((k) => this.items.get(k)!);
  }

  getIndexers(): Indexers<T> {
    return { ...this.indexers };
  }

  addIndexers(indexers: Indexers<T>): void {
    // Differs from client-go: the new indices are built aside and installed only when every
    // existing object indexed cleanly, so a failing function installs nothing.
    for (const name of Object.keys(indexers)) {
      if (name in this.indexers)
        throw new IndexError(`indexer conflict: ${JSON.stringify(name)}`, name);
    }
    // Build the new indices aside; install them only if every object indexed cleanly.
    const added: IndexEntry<T>[] = Object.entries(indexers);
    const built = added.map(() => new Map<string, Set<string>>());
    const perKey = new Map<string, string[][]>();
    for (const [key, obj] of this.items) {
      const values = indexValues(added, obj);
      perKey.set(key, values);
      for (let i = 0; i < added.length; i++) {
        const index = built[i]!;
        for (const v of values[i]!) {
          let set = index.get(v);
          if (!set) index.set(v, (set = new Set()));
          set.add(key);
        }
      }
    }
    Object.assign(this.indexers, indexers);
    const before = this.indexList.length;
    this.indexList = [...this.indexList, ...added];
    for (let i = 0; i < added.length; i++) this.indices.set(added[i]![0], built[i]!);
    for (const [key, values] of perKey) {
      const filed = this.filed.get(key) ?? Array.from({ length: before }, (): string[] => []);
      this.filed.set(key, [...filed, ...values]);
    }
  }

  private indexFunc(indexName: string): IndexFunc<T> {
    const fn = this.indexers[indexName];
    if (!fn) throw new IndexError(`index ${JSON.stringify(indexName)} does not exist`, indexName);
    return fn;
  }

  private put(key: string, obj: T): void {
    if (this.indexList.length === 0) {
      this.items.set(key, obj);
      return;
    }
    const values = indexValues(this.indexList, obj); // may throw: nothing mutated yet
    this.items.set(key, obj);
    // Most updates leave every index value as it was (client-go skips those too): then there is
    // nothing to refile.
    const old = this.filed.get(key);
    if (old !== undefined && sameValues(old, values)) return;
    this.unfile(key);
    this.file(key, values);
  }

  private deleteKey(key: string): void {
    if (!this.items.has(key)) return;
    this.unfile(key);
    this.items.delete(key);
  }

  private file(key: string, values: string[][]): void {
    for (let i = 0; i < values.length; i++) {
      const index = this.indices.get(this.indexList[i]![0])!;
      for (const v of values[i]!) {
        let set = index.get(v);
        if (!set) index.set(v, (set = new Set()));
        set.add(key);
      }
    }
    if (values.length > 0) this.filed.set(key, values);
  }

  private unfile(key: string): void {
    const old = this.filed.get(key);
    if (!old) return;
    for (let i = 0; i < old.length; i++) {
      const index = this.indices.get(this.indexList[i]![0]);
      if (!index) continue;
      for (const v of old[i]!) {
        const set = index.get(v);
        if (!set) continue;
        set.delete(key);
        // Drop empty sets so listIndexFuncValues only reports values in use.
        if (set.size === 0) index.delete(v);
      }
    }
    this.filed.delete(key);
  }
}

/**
 * Creates an {@link Indexer} with the given key function and index functions (client-go
 * `NewIndexer`).
 */
export function createIndexer<T = KubeObject>(
  keyFunc: KeyFunc<T> = metaNamespaceKeyFunc,
  indexers: Indexers<T> = {},
): Indexer<T> {
  return new ThreadSafeIndexer<T>(keyFunc, indexers);
}

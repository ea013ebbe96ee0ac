// Port of k8s.io/client-go/tools/cache/store.go (key functions, ExplicitKey) and
// controller.go (DeletionHandlingMetaNamespaceKeyFunc), client-go v1.36.
import { hasBrand, type KubeObject } from '@kubecache/core';
import { isDeletedFinalStateUnknown } from './tombstone.js';

const keyErrorBrand = Symbol.for('@kubecache/store/KeyError');

/** A key could not be computed for an object, or a key could not be split. `object` is what was passed. */
export class KeyError extends Error {
  override readonly name = 'KeyError';
  readonly [keyErrorBrand] = true;
  /** The object (or key string) that had no valid key. */
  readonly object: unknown;
  constructor(message: string, object: unknown, options?: ErrorOptions) {
    super(message, options);
    this.object = object;
  }
}

/** Type guard for {@link KeyError}. */
export function isKeyError(err: unknown): err is KeyError {
  return hasBrand(err, keyErrorBrand);
}

const explicitKeyBrand = Symbol.for('@kubecache/store/ExplicitKey');

/**
 * An object that is its own key (client-go `ExplicitKey`): key functions return `key` unchanged.
 * Used to delete or look up by key when only the key is known.
 */
export class ExplicitKey {
  readonly [explicitKeyBrand] = true;
  /** The key. */
  readonly key: string;
  constructor(key: string) {
    this.key = key;
  }
}

/** Wraps a key so that key functions return it as is. */
export function explicitKey(key: string): ExplicitKey {
  return new ExplicitKey(key);
}

/** Type guard for {@link ExplicitKey}. */
export function isExplicitKey(value: unknown): value is ExplicitKey {
  return hasBrand(value, explicitKeyBrand);
}

function describe(obj: unknown): string {
  try {
    const s = JSON.stringify(obj);
    return s.length > 120 ? `${s.slice(0, 117)}...` : s;
  } catch {
    return String(obj);
  }
}

/**
 * The default key function: `namespace/name` for namespaced objects, `name` for cluster-scoped
 * ones. An {@link ExplicitKey} is returned as is. Throws {@link KeyError} when the object has no
 * `metadata.name`.
 */
export function metaNamespaceKeyFunc(obj: unknown): string {
  if (isExplicitKey(obj)) return obj.key;
  const meta = (obj as KubeObject | null | undefined)?.metadata;
  if (meta === undefined || meta === null || typeof meta !== 'object') {
    throw new KeyError(`object has no metadata: ${describe(obj)}`, obj);
  }
  const name = meta.name;
  // Differs from client-go: client-go returns "" (or "ns/") for an object without a name; that
  // silently merges unrelated objects under one key, so it is a KeyError here.
  if (typeof name !== 'string' || name === '') {
    throw new KeyError(`object has no metadata.name: ${describe(obj)}`, obj);
  }
  const ns = meta.namespace;
  return typeof ns === 'string' && ns !== '' ? `${ns}/${name}` : name;
}

/**
 * Like {@link metaNamespaceKeyFunc}, but a {@link DeletedFinalStateUnknown} tombstone yields the
 * key it carries. Use it wherever delete notifications may hold tombstones.
 */
export function deletionHandlingMetaNamespaceKeyFunc(obj: unknown): string {
  if (isDeletedFinalStateUnknown(obj)) return obj.key;
  return metaNamespaceKeyFunc(obj);
}

/**
 * Splits a `namespace/name` or `name` key. Throws {@link KeyError} for anything else (more than
 * one `/`, an empty name, an empty namespace before a `/`).
 */
export function splitMetaNamespaceKey(key: string): { namespace: string; name: string } {
  // Differs from client-go: client-go accepts "", "/name" and "ns/" and returns empty parts; those
  // never come from metaNamespaceKeyFunc, so they are rejected as malformed.
  const parts = key.split('/');
  if (parts.length === 1 && parts[0] !== '') return { namespace: '', name: parts[0] ?? '' };
  if (parts.length === 2 && parts[0] !== '' && parts[1] !== '') {
    return { namespace: parts[0] ?? '', name: parts[1] ?? '' };
  }
  throw new KeyError(`unexpected key format: ${JSON.stringify(key)}`, key);
}

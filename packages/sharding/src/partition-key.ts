// The partition key of an object: what the ring hashes. As in the reference design
// (timebertt/kubernetes-controller-sharding, pkg/sharding/key), a primary object is keyed by its
// own namespace/name and an owned object by its controller owner's, so an owner and the objects
// it controls always land on one shard.
import type { KubeObject } from '@kubecache/core';

/** A kind of object by API group and kind: a `defineResource` definition fits. */
export interface KindRef {
  /** API group; `''` for the core group. */
  readonly group: string;
  /** Kind, e.g. `Foo`. */
  readonly kind: string;
  /**
   * Whether objects of the kind live in namespaces. `false` for a cluster-scoped primary: an owned
   * object is then keyed by the owner's name alone. Default: true.
   */
  readonly namespaced?: boolean;
}

/** Options of {@link partitionKey}. */
export interface PartitionKeyOptions {
  /** The ring's primary kinds (the objects its controller reconciles). */
  primaries: readonly KindRef[];
  /**
   * The kind of `obj`, when its `apiVersion`/`kind` fields may be missing (items of a list
   * answer carry none on a real API server). Default: read from `obj.apiVersion` and `obj.kind`.
   */
  resource?: KindRef;
}

function groupOf(apiVersion: string | undefined): string | undefined {
  if (apiVersion === undefined) return undefined;
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

const primaryOf = (
  primaries: readonly KindRef[],
  group: string | undefined,
  kind: string | undefined,
): KindRef | undefined =>
  group === undefined || kind === undefined
    ? undefined
    : primaries.find((p) => p.group === group && p.kind === kind);

/**
 * The key the ring hashes for `obj`:
 * - a primary object (its kind is among `primaries`): `<namespace>/<name>` (`<name>` for a
 *   cluster-scoped one), client-go's `MetaNamespaceKeyFunc`;
 * - an owned object: `<namespace>/<owner name>` of its controller ownerReference
 *   (`controller: true`) when the owner's kind is among `primaries` — a namespaced owner is in
 *   the object's namespace (owner references never cross namespaces); `<owner name>` when that
 *   primary is cluster-scoped (`namespaced: false`);
 * - otherwise `undefined`: the object is not part of the ring and is never labelled.
 */
export function partitionKey(obj: KubeObject, options: PartitionKeyOptions): string | undefined {
  const meta = obj.metadata;
  if (meta?.name === undefined || meta.name === '') return undefined;
  const ns = meta.namespace ?? '';
  const prefix = ns === '' ? '' : `${ns}/`;
  const group = options.resource?.group ?? groupOf(obj.apiVersion);
  const kind = options.resource?.kind ?? obj.kind;
  if (primaryOf(options.primaries, group, kind) !== undefined) return `${prefix}${meta.name}`;
  const owner = meta.ownerReferences?.find((r) => r.controller === true);
  if (owner === undefined || owner.name === '') return undefined;
  const ownerKind = primaryOf(options.primaries, groupOf(owner.apiVersion), owner.kind);
  if (ownerKind === undefined) return undefined;
  return ownerKind.namespaced === false ? owner.name : `${prefix}${owner.name}`;
}

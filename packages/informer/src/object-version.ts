// Object identity for the informers: the same object at the same version means the same uid *and*
// the same resourceVersion. A resourceVersion alone is not enough after a cluster is restored from
// an older etcd backup: objects recreated there (new uids) can carry the resource versions of the
// objects the cache holds.
import type { KubeObject } from '@kubecache/core';

const metaOf = (o: unknown): KubeObject['metadata'] =>
  typeof o === 'object' && o !== null ? (o as KubeObject).metadata : undefined;

/**
 * True when `a` and `b` are the same object at the same version: equal `metadata.uid` and equal
 * `metadata.resourceVersion` (a missing value counts as `''`, so two objects without uids compare
 * by resource version alone, as client-go does).
 *
 * Differs from client-go, which compares the resource version only (its informer treats an update
 * with an unchanged resource version as a resync, and nothing else).
 */
export function sameObjectVersion(a: unknown, b: unknown): boolean {
  const ma = metaOf(a);
  const mb = metaOf(b);
  return (
    (ma?.resourceVersion ?? '') === (mb?.resourceVersion ?? '') &&
    (ma?.uid ?? '') === (mb?.uid ?? '')
  );
}

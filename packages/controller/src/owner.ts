// Owner references of the controller pattern (apimachinery metav1 `GetControllerOf`,
// `IsControlledBy`, `NewControllerRef`): a child object names its one managing controller with an
// ownerReference whose `controller` is true; garbage collection deletes it with its owner.
import type { KubeObject, OwnerReference } from '@kubecache/core';

/** The ownerReference with `controller: true` of `object`, or `undefined` when it has none. */
export function controllerRefOf(object: KubeObject): OwnerReference | undefined {
  return object.metadata?.ownerReferences?.find((ref) => ref.controller === true);
}

/** True when `object`'s controller reference points at `owner` (compared by uid, as apimachinery). */
export function isControlledBy(object: KubeObject, owner: KubeObject): boolean {
  const uid = owner.metadata?.uid;
  return uid !== undefined && uid !== '' && controllerRefOf(object)?.uid === uid;
}

/**
 * The controller reference to put in a child's `metadata.ownerReferences`: `controller` and
 * `blockOwnerDeletion` true (apimachinery `NewControllerRef`).
 *
 * @param owner - the owning object, as read from the cache or the server (needs name and uid).
 * @param type - the owner's `apiVersion` and `kind` (cached list items often lack them).
 * @throws TypeError when the owner has no name or uid.
 */
export function newControllerRef(
  owner: KubeObject,
  type: { apiVersion: string; kind: string },
): OwnerReference {
  const name = owner.metadata?.name;
  const uid = owner.metadata?.uid;
  if (name === undefined || uid === undefined || name === '' || uid === '') {
    throw new TypeError('newControllerRef: the owner needs metadata.name and metadata.uid');
  }
  return {
    apiVersion: type.apiVersion,
    kind: type.kind,
    name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The API group of an `apiVersion`: `apps` for `apps/v1`, `''` for `v1`. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

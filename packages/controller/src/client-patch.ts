// Patches of the typed client, one per patch type kube-apiserver accepts (k8s.io/apimachinery
// pkg/types/patch.go: JSONPatchType, MergePatchType, StrategicMergePatchType, ApplyPatchType) and
// the constructors controller-runtime names them after (client.RawPatch with a types.PatchType;
// client.Merge / client.StrategicMergeFrom compute theirs from two objects, these take the patch).

/** One RFC 6902 JSON Patch operation. `path` is a JSON Pointer (`/metadata/labels/app`). */
export type JsonPatchOperation =
  | { readonly op: 'add' | 'replace' | 'test'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string }
  | { readonly op: 'move' | 'copy'; readonly from: string; readonly path: string };

/** Content types of patches, as kube-apiserver matches them. */
export const patchContentTypes = Object.freeze({
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const);

/**
 * A patch for `client.patch` / `client.patchStatus`:
 * - `{ type: 'merge', data }`: an RFC 7386 JSON merge patch (`application/merge-patch+json`);
 *   `null` deletes a field, lists are replaced whole; a `metadata.resourceVersion` in it is a
 *   precondition (409 Conflict when the object moved on).
 * - `{ type: 'json', ops }`: an RFC 6902 JSON Patch (`application/json-patch+json`); a failed
 *   `test` op is 422 Invalid.
 * - `{ type: 'strategic', data }`: a strategic merge patch
 *   (`application/strategic-merge-patch+json`), which merges lists by their key (containers by
 *   `name`). Built-in resources only: kube-apiserver answers 415 UnsupportedMediaType for
 *   custom resources.
 *
 * Server-side apply is not a patch here: use `client.apply`.
 */
export type Patch =
  | { readonly type: 'merge'; readonly data: object }
  | { readonly type: 'json'; readonly ops: readonly JsonPatchOperation[] }
  | { readonly type: 'strategic'; readonly data: object };

/** `{ type: 'merge', data }`: a JSON merge patch (see {@link Patch}). */
export function mergePatch(data: object): Patch {
  return { type: 'merge', data };
}

/** `{ type: 'json', ops }`: a JSON Patch (see {@link Patch}). */
export function jsonPatch(ops: readonly JsonPatchOperation[]): Patch {
  return { type: 'json', ops };
}

/** `{ type: 'strategic', data }`: a strategic merge patch, built-ins only (see {@link Patch}). */
export function strategicMergePatch(data: object): Patch {
  return { type: 'strategic', data };
}

/** The content type and body of a {@link Patch}. */
export function encodePatch(patch: Patch): { contentType: string; body: unknown } {
  switch (patch.type) {
    case 'merge':
      return { contentType: patchContentTypes.merge, body: patch.data };
    case 'strategic':
      return { contentType: patchContentTypes.strategic, body: patch.data };
    case 'json':
      return { contentType: patchContentTypes.json, body: patch.ops };
    default:
      throw new TypeError(
        `unknown patch type ${JSON.stringify((patch as { type?: unknown }).type)}: expected merge, json or strategic`,
      );
  }
}

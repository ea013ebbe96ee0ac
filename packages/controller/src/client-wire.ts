// How the calls of `createClient`'s client meet the REST API: the paths of a resource's
// collection and objects (client-go rest/request.go builds the same `/api` and `/apis` URLs),
// the checks of a key against the resource's scope, and the type meta and answers of requests.
import type { KubeObject, ResourceDef } from '@kubecache/core';
import { ResponseDecodeError } from '@kubecache/listwatch';
import type { ApplyConfiguration, ObjectKey } from './client-call-types.js';

/** `/api/v1` or `/apis/<group>/<version>`. */
export function groupVersionPath(def: ResourceDef): string {
  return def.group === '' ? `/api/${def.version}` : `/apis/${def.group}/${def.version}`;
}

/**
 * The collection path of `def` in `namespace` (all namespaces when undefined, and for a
 * cluster-scoped `def`): `/apis/<group>/<version>[/namespaces/<namespace>]/<plural>`.
 */
export function collectionPath(def: ResourceDef, namespace: string | undefined): string {
  const ns =
    def.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${groupVersionPath(def)}${ns}/${def.plural}`;
}

/**
 * Checks a key against the definition's scope; returns the namespace to use in paths
 * (`undefined` for a cluster-scoped `def`, whose key's namespace is ignored).
 *
 * @param verb - the call, for the message.
 * @param requireName - false for a create, which may leave the name to the server
 *   (`metadata.generateName`).
 * @throws TypeError for a missing name, or a missing namespace of a namespaced `def`.
 */
export function scopedKey(
  def: ResourceDef,
  key: ObjectKey,
  verb: string,
  requireName = true,
): string | undefined {
  if (requireName && (typeof key.name !== 'string' || key.name === '')) {
    throw new TypeError(`${verb} ${def.plural}: the object needs a name`);
  }
  if (!def.namespaced) return undefined;
  if (key.namespace === undefined || key.namespace === '') {
    throw new TypeError(
      `${verb} ${def.plural} ${key.name === '' ? '(generated name)' : key.name}: ${def.kind} is namespaced: the namespace is required`,
    );
  }
  return key.namespace;
}

/** The {@link ObjectKey} of an object or apply configuration (name `''` when it has none). */
export function keyOf(object: KubeObject | ApplyConfiguration<KubeObject>): ObjectKey {
  const m = object.metadata;
  return { name: m?.name ?? '', namespace: m?.namespace ?? undefined };
}

/** `object` with `apiVersion` and `kind` filled from `def` where it has none (a copy). */
export function withTypeMeta<O extends object>(def: ResourceDef, object: O): O {
  const o = object as { apiVersion?: string; kind?: string };
  return { ...object, apiVersion: o.apiVersion ?? def.apiVersion, kind: o.kind ?? def.kind };
}

/**
 * A 2xx answer as an object.
 *
 * @param what - the request (`GET <path>`), for the message.
 * @throws ResponseDecodeError (from `@kubecache/listwatch`) when `answer` is not a JSON object.
 */
export function asObject(answer: unknown, what: string): KubeObject {
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
    throw new ResponseDecodeError(`${what}: the answer is not a JSON object`, 200);
  }
  return answer;
}

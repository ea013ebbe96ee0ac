// The checks kube-apiserver makes on a server-side apply configuration before the field manager
// sees it (apiserver/pkg/endpoints/handlers/patch.go applyPatcher and rest.go's name and
// namespace checks): it must be of the target's kind and group version, and name the URL's object.
import type { KubeObject } from '@kubecache/core';
import type { ResourceDefinition } from './resources.js';
import { badRequest } from './status.js';

/**
 * Throws 400 BadRequest, with kube-apiserver's message, when the apply configuration `config` is
 * not of `def`'s kind and group version, or its `metadata.name` / `metadata.namespace` (when set)
 * are not the URL's `name` / `namespace` (`undefined` for a cluster-scoped resource).
 */
export function checkApplyTarget(
  def: ResourceDefinition,
  namespace: string | undefined,
  name: string,
  config: KubeObject,
): void {
  const av = typeof config.apiVersion === 'string' ? config.apiVersion : '';
  const [cg, cv] = av.includes('/')
    ? [av.slice(0, av.indexOf('/')), av.slice(av.indexOf('/') + 1)]
    : ['', av];
  if (cg !== def.group || cv !== def.version || config.kind !== def.kind)
    throw badRequest(`invalid object type: ${cg}/${cv}, Kind=${config.kind ?? ''}`);
  const cm = config.metadata ?? {};
  if (cm.name !== undefined && cm.name !== name)
    throw badRequest(
      `the name of the object (${cm.name}) does not match the name on the URL (${name})`,
    );
  if (def.namespaced && cm.namespace !== undefined && cm.namespace !== namespace)
    throw badRequest(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
}

// Discovery documents of the in-process API server: /api (APIVersions), /apis (APIGroupList) and
// /api/v1, /apis/<group>/<version> (APIResourceList), built from the registered resources.
import type { Cluster } from './cluster.js';
import { hasScale } from './scale.js';

export { versionInfo } from './version.js';

const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** The APIVersions document of `/api`. */
export function coreVersions(): unknown {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
}

/** The APIGroupList document of `/apis`: every non-core group with its versions. */
export function groupList(cluster: Cluster): unknown {
  const groups = new Map<string, Set<string>>();
  for (const r of cluster.all()) {
    if (r.def.group === '') continue;
    let set = groups.get(r.def.group);
    if (!set) groups.set(r.def.group, (set = new Set()));
    set.add(r.def.version);
  }
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, versions]) => ({
      name,
      versions: [...versions].map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
      preferredVersion: {
        groupVersion: `${name}/${[...versions][0]!}`,
        version: [...versions][0],
      },
    })),
  };
}

/** The APIResourceList document of one group version. */
export function resourceList(cluster: Cluster, group: string, version: string): unknown {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources: cluster
      .all()
      .filter((r) => r.def.group === group && r.def.version === version)
      .map((r) => ({
        name: r.def.resource,
        singularName: r.def.singular ?? r.def.kind.toLowerCase(),
        namespaced: r.def.namespaced,
        kind: r.def.kind,
        verbs,
        ...(r.def.shortNames !== undefined && r.def.shortNames.length > 0
          ? { shortNames: r.def.shortNames }
          : {}),
        ...(r.def.categories !== undefined && r.def.categories.length > 0
          ? { categories: r.def.categories }
          : {}),
      }))
      .flatMap((entry) => {
        const def = cluster.find(
          entry.name === '' ? '' : group === '' ? entry.name : `${entry.name}.${group}`,
        )?.def;
        const out: unknown[] = [entry];
        if (def?.statusSubresource) {
          out.push({
            name: `${entry.name}/status`,
            singularName: '',
            namespaced: entry.namespaced,
            kind: entry.kind,
            verbs: ['get', 'patch', 'update'],
          });
        }
        // The scale client (client-go scale, kubectl scale) finds the Scale kind here.
        const store = cluster.find(group === '' ? entry.name : `${entry.name}.${group}`);
        if (store !== undefined && hasScale(store)) {
          out.push({
            name: `${entry.name}/scale`,
            singularName: '',
            namespaced: entry.namespaced,
            group: 'autoscaling',
            version: 'v1',
            kind: 'Scale',
            verbs: ['get', 'patch', 'update'],
          });
        }
        return out;
      }),
  };
}

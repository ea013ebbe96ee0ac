// The one place that states which Kubernetes version the in-process API server emulates. `/version`
// reports it, the OpenAPI documents carry it, and the per-kind write rules (kind-strategies.ts)
// follow kube-apiserver's registry code of this version (e.g. pods get no `metadata.generation`
// before 1.33).

/**
 * The Kubernetes minor version the in-process API server emulates, as `major.minor`: `/version`
 * reports it (`major` and `minor` fields, `gitVersion` `v<major>.<minor>.0-kubecache-testing`) and
 * the per-kind write rules follow kube-apiserver's `pkg/registry/<group>/<kind>/strategy.go` of
 * this version.
 */
export const emulatedKubernetesVersion = '1.32';

const [major = '1', minor = '0'] = emulatedKubernetesVersion.split('.');

/** The `gitVersion` `/version` reports, e.g. `v1.32.0-kubecache-testing`. */
export const emulatedGitVersion = `v${major}.${minor}.0-kubecache-testing`;

/** The version.Info document of `/version` (k8s.io/apimachinery pkg/version/types.go). */
export function versionInfo(): unknown {
  return {
    major,
    minor,
    gitVersion: emulatedGitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'none (in-process, Node.js)',
    compiler: 'node',
    platform: `${process.platform}/${process.arch}`,
  };
}

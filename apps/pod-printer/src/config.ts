// Finds the cluster configuration like kubectl: --kubeconfig, KUBECONFIG, ~/.kube/config, then
// the in-cluster service account.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

/** The cluster configuration cannot be used; the message is one line, meant for the user. */
export class ConfigError extends Error {
  override readonly name: string = 'ConfigError';
}

/** No usable configuration was found. */
export class ConfigNotFoundError extends ConfigError {
  override readonly name = 'ConfigNotFoundError';
}

/** `kc.loadFromFile(path)`, with a parser error (js-yaml's multi-line excerpt) turned into one line. */
function loadFile(kc: KubeConfig, path: string): void {
  try {
    kc.loadFromFile(path);
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
    throw new ConfigError(`kubeconfig ${path} is not a valid kubeconfig: ${first}`, { cause: err });
  }
  if (kc.getClusters().length === 0 && kc.getContexts().length === 0)
    throw new ConfigError(`kubeconfig ${path} is not a valid kubeconfig: no clusters, no contexts`);
}

/**
 * Loads the KubeConfig: ConfigNotFoundError (with a hint about --demo) when none is found — naming
 * the path when `--kubeconfig` or `KUBECONFIG` names files that do not exist (a set `KUBECONFIG`
 * replaces `~/.kube/config`, as in kubectl) — and ConfigError when the file cannot be parsed.
 */
export function loadKubeConfig(
  options: { kubeconfig?: string; context?: string },
  env: NodeJS.ProcessEnv = process.env,
): KubeConfig {
  const kc = new KubeConfig();
  const envPaths = (env.KUBECONFIG ?? '').split(':').filter((p) => p !== '');
  const fromEnv = envPaths.find((p) => existsSync(p));
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  const inCluster =
    env.KUBERNETES_SERVICE_HOST !== undefined &&
    existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token');
  if (options.kubeconfig !== undefined) {
    if (!existsSync(options.kubeconfig))
      throw new ConfigNotFoundError(`kubeconfig ${options.kubeconfig} does not exist`);
    loadFile(kc, options.kubeconfig);
  } else if (fromEnv !== undefined) {
    loadFile(kc, fromEnv);
  } else if (envPaths.length > 0) {
    // As kubectl: a set KUBECONFIG replaces ~/.kube/config, so name what it pointed at.
    throw new ConfigNotFoundError(
      envPaths.length === 1
        ? `kubeconfig ${envPaths[0]!} (from KUBECONFIG) does not exist`
        : `none of the kubeconfig files in KUBECONFIG exists: ${envPaths.join(', ')}`,
    );
  } else if (existsSync(home)) {
    loadFile(kc, home);
  } else if (inCluster) {
    kc.loadFromCluster();
  } else {
    throw new ConfigNotFoundError(
      'no Kubernetes configuration found (tried --kubeconfig, KUBECONFIG, ~/.kube/config and the in-cluster service account). ' +
        'Run with --demo to watch a built-in API server with realistic pods instead.',
    );
  }
  if (options.context !== undefined) {
    if (!kc.getContexts().some((c) => c.name === options.context))
      throw new ConfigNotFoundError(`context ${options.context} not found in the kubeconfig`);
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster())
    throw new ConfigNotFoundError('the kubeconfig has no current cluster; use --context or --demo');
  return kc;
}

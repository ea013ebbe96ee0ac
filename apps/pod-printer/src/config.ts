// Finds the cluster configuration like kubectl: --kubeconfig, KUBECONFIG, ~/.kube/config, then
// the in-cluster service account.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

/** No usable configuration was found. */
export class ConfigNotFoundError extends Error {
  override readonly name = 'ConfigNotFoundError';
}

/** Loads the KubeConfig (throws ConfigNotFoundError with a hint about --demo when none is found). */
export function loadKubeConfig(
  options: { kubeconfig?: string; context?: string },
  env: NodeJS.ProcessEnv = process.env,
): KubeConfig {
  const kc = new KubeConfig();
  const fromEnv = env.KUBECONFIG?.split(':').find((p) => p !== '' && existsSync(p));
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  const inCluster =
    env.KUBERNETES_SERVICE_HOST !== undefined &&
    existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token');
  if (options.kubeconfig !== undefined) {
    if (!existsSync(options.kubeconfig))
      throw new ConfigNotFoundError(`kubeconfig ${options.kubeconfig} does not exist`);
    kc.loadFromFile(options.kubeconfig);
  } else if (fromEnv !== undefined) {
    kc.loadFromFile(fromEnv);
  } else if (existsSync(home)) {
    kc.loadFromFile(home);
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

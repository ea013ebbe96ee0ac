// Where the conformance scenarios run: the in-process API server, or any cluster named by KUBECONFIG.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { startApiServer, type ApiServer } from '@kubecache/testing';

/** A target for the scenarios. */
export interface Target {
  /** `in-process` or `cluster`. */
  name: 'in-process' | 'cluster';
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  /** A namespace created for this run (deleted by `close`). */
  namespace: string;
  /** Makes every resource version up to now unavailable (in-process only). */
  compact?: () => void;
  /** An RV the cluster no longer has (cluster: CONFORMANCE_OLD_RV). */
  oldResourceVersion?: string;
  close(): Promise<void>;
}

/** A small pod that never runs anywhere (bound to a node that does not exist, no owner). */
export function conformancePod(name: string, labels: Record<string, string> = {}): V1Pod {
  return {
    metadata: { name, labels: { 'kubecache.dev/conformance': 'true', ...labels } },
    spec: {
      nodeName: 'kubecache-conformance-no-such-node',
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.9' }],
    },
  };
}

async function withNamespace(
  kc: KubeConfig,
  name: Target['name'],
  extra: Partial<Target>,
  closeServer?: () => Promise<void>,
): Promise<Target> {
  const core = kc.makeApiClient(CoreV1Api);
  const namespace = `kubecache-conf-${randomBytes(4).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  return {
    name,
    kubeConfig: kc,
    core,
    namespace,
    ...extra,
    async close() {
      try {
        await core.deleteNamespace({ name: namespace });
      } finally {
        await closeServer?.();
      }
    },
  };
}

/** The in-process API server target. */
export async function inProcessTarget(): Promise<Target> {
  const server: ApiServer = await startApiServer({
    bookmarkIntervalMs: 1000,
    historySize: 100_000,
  });
  return withNamespace(server.kubeConfig, 'in-process', { compact: () => server.compact() }, () =>
    server.close(),
  );
}

/** The cluster named by KUBECONFIG. */
export async function clusterTarget(): Promise<Target> {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const old = process.env.CONFORMANCE_OLD_RV;
  return withNamespace(kc, 'cluster', old ? { oldResourceVersion: old } : {});
}

// Where the conformance scenarios run: the in-process API server, or any cluster named by KUBECONFIG.
import { randomBytes } from 'node:crypto';
import { ApiextensionsV1Api, CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
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
  /**
   * Makes a namespaced custom resource servable (in-process: registers it; cluster: creates its
   * CustomResourceDefinition, preserving unknown fields, and waits until it is established) and
   * returns how to remove it again.
   */
  registerCustomResource(crd: ConformanceCrd): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** A custom resource the scenarios define. */
export interface ConformanceCrd {
  group: string;
  version: string;
  plural: string;
  kind: string;
  statusSubresource: boolean;
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

/** Creates the CustomResourceDefinition of `crd` and waits until it is established. */
async function createCrd(kc: KubeConfig, crd: ConformanceCrd): Promise<() => Promise<void>> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const name = `${crd.plural}.${crd.group}`;
  await api.createCustomResourceDefinition({
    body: {
      metadata: { name },
      spec: {
        group: crd.group,
        scope: 'Namespaced',
        names: { plural: crd.plural, kind: crd.kind, singular: crd.kind.toLowerCase() },
        versions: [
          {
            name: crd.version,
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true },
            },
            ...(crd.statusSubresource ? { subresources: { status: {} } } : {}),
          },
        ],
      },
    },
  });
  const t0 = Date.now();
  for (;;) {
    const got = await api.readCustomResourceDefinition({ name });
    if (got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
    if (Date.now() - t0 > 30_000) throw new Error(`CRD ${name} not established after 30 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return async () => {
    await api.deleteCustomResourceDefinition({ name });
  };
}

async function withNamespace(
  kc: KubeConfig,
  name: Target['name'],
  extra: Partial<Target> & Pick<Target, 'registerCustomResource'>,
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
  return withNamespace(
    server.kubeConfig,
    'in-process',
    {
      compact: () => server.compact(),
      registerCustomResource: (crd) => {
        server.registerResource({
          group: crd.group,
          version: crd.version,
          resource: crd.plural,
          kind: crd.kind,
          namespaced: true,
          statusSubresource: crd.statusSubresource,
        });
        return Promise.resolve(() => Promise.resolve());
      },
    },
    () => server.close(),
  );
}

/** The cluster named by KUBECONFIG. */
export async function clusterTarget(): Promise<Target> {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const old = process.env.CONFORMANCE_OLD_RV;
  return withNamespace(kc, 'cluster', {
    ...(old ? { oldResourceVersion: old } : {}),
    registerCustomResource: (crd) => createCrd(kc, crd),
  });
}

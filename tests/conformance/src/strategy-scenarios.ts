// Per-kind write strategy scenarios: which kinds carry metadata.generation and what moves it, the
// status a created object starts with, and what writes to the object and to its /status keep —
// as kube-apiserver's pkg/registry/<group>/<kind>/strategy.go and the CRD handler do it. Every
// assertion reads the answer to the scenario's own write, so the controllers of a real cluster
// (the deployment controller writes status and annotations through /status) cannot race them.
import {
  AppsV1Api,
  CustomObjectsApi,
  VersionApi,
  type V1Deployment,
} from '@kubernetes/client-node';
import { expect } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import type { RegisterScenario } from './lease-scenarios.js';
import { conformancePod, type Target } from './target.js';

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

/** The target's minor version, from /version (`"33+"` on some providers counts as 33). */
async function minorVersion(tt: Target): Promise<number> {
  const v = await tt.kubeConfig.makeApiClient(VersionApi).getCode();
  return Number.parseInt(v.minor, 10);
}

const deployment = (name: string): V1Deployment => ({
  metadata: { name, labels: { 'kubecache.dev/conformance': 'true' } },
  spec: {
    replicas: 0,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.9' }] },
    },
  },
  // Dropped by the strategy on create.
  status: { observedGeneration: 4242 },
});

/** Registers the per-kind strategy scenarios. */
export function defineStrategyScenarios(scenario: RegisterScenario): void {
  scenario('generation: a ConfigMap has none, and no edit gives it one', async (tt) => {
    const created = await tt.core.createNamespacedConfigMap({
      namespace: tt.namespace,
      body: { metadata: { name: 'gen-cm' }, data: { a: '1' } },
    });
    expect(created.metadata?.generation).toBeUndefined();
    const edited = await tt.core.patchNamespacedConfigMap({
      namespace: tt.namespace,
      name: 'gen-cm',
      body: [{ op: 'replace', path: '/data/a', value: '2' }],
    });
    expect(edited.data).toEqual({ a: '2' });
    expect(edited.metadata?.generation).toBeUndefined();
    const replaced = await tt.core.replaceNamespacedConfigMap({
      namespace: tt.namespace,
      name: 'gen-cm',
      body: { ...edited, data: { a: '3' } },
    });
    expect(replaced.metadata?.generation).toBeUndefined();
  });

  scenario(
    'generation: a Deployment starts at 1; spec and annotation changes bump it, label and /status writes do not',
    async (tt) => {
      const apps = tt.kubeConfig.makeApiClient(AppsV1Api);
      const ns = tt.namespace;
      const created = await apps.createNamespacedDeployment({
        namespace: ns,
        body: deployment('gen-deploy'),
      });
      expect(created.metadata?.generation).toBe(1);
      const patch = (body: object[]) =>
        apps.patchNamespacedDeployment({ namespace: ns, name: 'gen-deploy', body });
      const labels = await patch([{ op: 'add', path: '/metadata/labels/extra', value: 'yes' }]);
      expect(labels.metadata?.generation).toBe(1);
      const status = await apps.patchNamespacedDeploymentStatus({
        namespace: ns,
        name: 'gen-deploy',
        body: [{ op: 'add', path: '/status/observedGeneration', value: 4243 }],
      });
      expect(status.metadata?.generation).toBe(1);
      const spec = await patch([{ op: 'replace', path: '/spec/replicas', value: 1 }]);
      expect(spec.metadata?.generation).toBe(2);
      const annotated = await patch([
        {
          op: 'add',
          path: '/metadata/annotations',
          value: { ...spec.metadata?.annotations, 'kubecache.dev/note': 'x' },
        },
      ]);
      expect(annotated.metadata?.generation).toBe(3);
    },
  );

  scenario(
    "a Deployment's status: reset on create, kept by writes to the Deployment; /status keeps spec and labels",
    async (tt) => {
      const apps = tt.kubeConfig.makeApiClient(AppsV1Api);
      const ns = tt.namespace;
      const created = await apps.createNamespacedDeployment({
        namespace: ns,
        body: deployment('status-deploy'),
      });
      expect(created.status?.observedGeneration).toBeUndefined();
      const main = await apps.patchNamespacedDeployment({
        namespace: ns,
        name: 'status-deploy',
        body: [{ op: 'add', path: '/status/observedGeneration', value: 4244 }],
      });
      expect(main.status?.observedGeneration).not.toBe(4244);
      const viaStatus = await apps.patchNamespacedDeploymentStatus({
        namespace: ns,
        name: 'status-deploy',
        body: [
          { op: 'replace', path: '/spec/replicas', value: 5 },
          { op: 'add', path: '/metadata/labels/via', value: 'status' },
          { op: 'add', path: '/status/observedGeneration', value: 4245 },
        ],
      });
      expect(viaStatus.spec?.replicas).toBe(0);
      expect(viaStatus.metadata?.labels?.via).toBeUndefined();
      expect(viaStatus.status?.observedGeneration).toBe(4245);
    },
  );

  scenario(
    'a custom resource with a status subresource: generation on changes outside metadata and status; status dropped on create, kept on update; /status keeps spec',
    async (tt) => {
      const crd = {
        group: 'conformance.kubecache.dev',
        version: 'v1',
        plural: 'strategywidgets',
        kind: 'StrategyWidget',
        statusSubresource: true,
      };
      const remove = await tt.registerCustomResource(crd);
      try {
        const api = tt.kubeConfig.makeApiClient(CustomObjectsApi);
        const at = { group: crd.group, version: crd.version, plural: crd.plural };
        const ns = tt.namespace;
        let created: Obj | undefined;
        // A new CRD's resource can take a moment to be served after it is established.
        for (let i = 0; created === undefined; i++) {
          try {
            created = (await api.createNamespacedCustomObject({
              ...at,
              namespace: ns,
              body: {
                apiVersion: `${crd.group}/${crd.version}`,
                kind: crd.kind,
                metadata: { name: 'w' },
                spec: { size: 1 },
                status: { ready: true },
              },
            })) as Obj;
          } catch (err) {
            if (i >= 50) throw err;
            await new Promise((r) => setTimeout(r, 200));
          }
        }
        expect(created.metadata?.generation).toBe(1);
        expect(created.status).toBeUndefined();
        const patch = async (body: object[]) =>
          (await api.patchNamespacedCustomObject({ ...at, namespace: ns, name: 'w', body })) as Obj;
        expect(
          (await patch([{ op: 'add', path: '/metadata/labels', value: { a: 'b' } }])).metadata
            ?.generation,
        ).toBe(1);
        const status = (await api.patchNamespacedCustomObjectStatus({
          ...at,
          namespace: ns,
          name: 'w',
          body: [
            { op: 'add', path: '/status', value: { ready: true } },
            { op: 'replace', path: '/spec/size', value: 9 },
          ],
        })) as Obj;
        expect(status.metadata?.generation).toBe(1);
        expect(status.spec).toEqual({ size: 1 });
        expect(status.status).toEqual({ ready: true });
        const spec = await patch([
          { op: 'replace', path: '/spec/size', value: 2 },
          { op: 'replace', path: '/status/ready', value: false },
        ]);
        expect(spec.metadata?.generation).toBe(2);
        expect(spec.status).toEqual({ ready: true });
      } finally {
        await remove();
      }
    },
  );

  scenario(
    'a Pod: Pending with its QoS class on create; generation from Kubernetes 1.33 only',
    async (tt) => {
      const minor = await minorVersion(tt);
      const created = await tt.core.createNamespacedPod({
        namespace: tt.namespace,
        body: { ...conformancePod('strategy-pod'), status: { phase: 'Running' } },
      });
      expect(created.status?.phase).toBe('Pending');
      expect(created.status?.qosClass).toBe('BestEffort');
      expect(created.metadata?.generation).toBe(minor >= 33 ? 1 : undefined);
      const labelled = await tt.core.patchNamespacedPod({
        namespace: tt.namespace,
        name: 'strategy-pod',
        body: [{ op: 'add', path: '/metadata/labels/extra', value: 'yes' }],
      });
      expect(labelled.metadata?.generation).toBe(minor >= 33 ? 1 : undefined);
    },
  );
}

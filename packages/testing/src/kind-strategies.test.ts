import { afterEach, describe, expect, it } from 'vitest';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import type { KubeObject } from '@kubecache/core';
import { makeConfigMap } from './fixtures.js';
import { startApiServer, type ApiServer, type ApiServerOptions } from './server.js';
import { requestJson } from './test-support/http.js';
import { emulatedKubernetesVersion } from './version.js';

let server: ApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const start = async (o: ApiServerOptions = {}): Promise<ApiServer> =>
  (server = await startApiServer(o));

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
const send = async (url: string, method: string, body: unknown, contentType?: string) => {
  const r = await requestJson<Obj>(url, {
    method,
    headers: {
      'Content-Type':
        contentType ?? (method === 'PATCH' ? 'application/merge-patch+json' : 'application/json'),
    },
    body: JSON.stringify(body),
  });
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  return r.body;
};

const widgets = (statusSubresource: boolean) => ({
  group: 'example.com',
  version: 'v1',
  resource: statusSubresource ? 'widgets' : 'gadgets',
  kind: statusSubresource ? 'Widget' : 'Gadget',
  namespaced: true,
  statusSubresource,
});

describe('metadata.generation per kind', () => {
  it('a ConfigMap has no generation, and no edit gives it one', async () => {
    const s = await start();
    const core = s.kubeConfig.makeApiClient(CoreV1Api);
    const created = await core.createNamespacedConfigMap({
      namespace: 'ns',
      body: { metadata: { name: 'c' }, data: { a: '1' } },
    });
    expect(created.metadata?.generation).toBeUndefined();
    const url = `${s.url}/api/v1/namespaces/ns/configmaps/c`;
    expect((await send(url, 'PATCH', { data: { a: '2' } })).metadata?.generation).toBeUndefined();
    const put = await send(url, 'PUT', {
      ...created,
      data: { a: '3' },
      metadata: { ...created.metadata, resourceVersion: undefined, generation: 7 },
    });
    // BeforeUpdate carries the stored generation over: a request cannot set one.
    expect(put.metadata?.generation).toBeUndefined();
    expect(s.get('configmaps', 'ns', 'c')?.metadata?.generation).toBeUndefined();
    // The programmatic API follows the same rules.
    expect(
      s.create('configmaps', makeConfigMap({ namespace: 'ns', name: 'd' })).metadata?.generation,
    ).toBeUndefined();
  });

  it('a Deployment gets generation 1; spec and annotation changes bump it, labels and status writes do not', async () => {
    const s = await start();
    const apps = s.kubeConfig.makeApiClient(AppsV1Api);
    const created = await apps.createNamespacedDeployment({
      namespace: 'ns',
      body: {
        metadata: { name: 'd', generation: 9 },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'd' } },
          template: {
            metadata: { labels: { app: 'd' } },
            spec: { containers: [{ name: 'c', image: 'x' }] },
          },
        },
        status: { replicas: 5 },
      },
    });
    expect(created.metadata?.generation).toBe(1);
    // PrepareForCreate resets the status.
    expect(created.status).toEqual({});
    const url = `${s.url}/apis/apps/v1/namespaces/ns/deployments/d`;
    const labels = await send(url, 'PATCH', { metadata: { labels: { a: 'b' } } });
    expect(labels.metadata?.generation).toBe(1);
    const status = await send(`${url}/status`, 'PATCH', {
      metadata: { labels: { a: 'changed' }, annotations: { via: 'status' } },
      spec: { replicas: 7 },
      status: { replicas: 1, observedGeneration: 1 },
    });
    expect(status.metadata?.generation).toBe(1);
    // The deployment status strategy keeps spec and labels; other metadata may change.
    expect(status.spec?.replicas).toBe(1);
    expect(status.metadata?.labels).toEqual({ a: 'b' });
    expect(status.metadata?.annotations).toEqual({ via: 'status' });
    expect(status.status).toEqual({ replicas: 1, observedGeneration: 1 });
    // A write to the deployment keeps the stored status.
    const spec = await send(url, 'PATCH', { spec: { replicas: 2 }, status: { replicas: 99 } });
    expect(spec.metadata?.generation).toBe(2);
    expect(spec.status).toEqual({ replicas: 1, observedGeneration: 1 });
    // An update that changes nothing tracked (same spec, keys in another order) does not bump.
    const same = await send(url, 'PUT', {
      ...spec,
      spec: Object.fromEntries(Object.entries(spec.spec ?? {}).reverse()),
      metadata: { ...spec.metadata, resourceVersion: undefined },
    });
    expect(same.metadata?.generation).toBe(2);
    const annotated = await send(url, 'PATCH', { metadata: { annotations: { via: 'main' } } });
    expect(annotated.metadata?.generation).toBe(3);
  });

  it('a custom resource with a status subresource: status dropped on create and kept on update, /status keeps spec and metadata', async () => {
    const s = await start({ resources: [widgets(true)] });
    const base = `${s.url}/apis/example.com/v1/namespaces/ns/widgets`;
    const created = await send(base, 'POST', {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w' },
      spec: { size: 1 },
      status: { ready: true },
    });
    expect(created.metadata?.generation).toBe(1);
    expect(created.status).toBeUndefined();
    const url = `${base}/w`;
    expect(
      (await send(url, 'PATCH', { metadata: { labels: { a: 'b' } } })).metadata?.generation,
    ).toBe(1);
    const status = await send(`${url}/status`, 'PATCH', {
      metadata: { labels: { a: 'changed' } },
      spec: { size: 5 },
      status: { ready: true },
    });
    expect(status.metadata?.generation).toBe(1);
    expect(status.spec).toEqual({ size: 1 });
    expect(status.metadata?.labels).toEqual({ a: 'b' });
    const spec = await send(url, 'PATCH', { spec: { size: 2 }, status: { ready: false } });
    expect(spec.metadata?.generation).toBe(2);
    expect(spec.status).toEqual({ ready: true });
    // Anything outside metadata counts, not only spec.
    expect((await send(url, 'PATCH', { extra: 1 })).metadata?.generation).toBe(3);
  });

  it('a custom resource without a status subresource: status is an ordinary field and counts for generation', async () => {
    const s = await start({ resources: [widgets(false)] });
    const base = `${s.url}/apis/example.com/v1/namespaces/ns/gadgets`;
    const created = await send(base, 'POST', {
      apiVersion: 'example.com/v1',
      kind: 'Gadget',
      metadata: { name: 'g' },
      spec: { size: 1 },
      status: { ready: true },
    });
    expect(created.metadata?.generation).toBe(1);
    expect(created.status).toEqual({ ready: true });
    const changed = await send(`${base}/g`, 'PATCH', { status: { ready: false } });
    expect(changed.status).toEqual({ ready: false });
    expect(changed.metadata?.generation).toBe(2);
    expect((await requestJson(`${base}/g/status`)).status).toBe(404);
  });

  it('pods (1.32): no generation; Pending with the QoS class computed from the spec and the SchedulingGated condition', async () => {
    const s = await start();
    const base = `${s.url}/api/v1/namespaces/ns/pods`;
    const container = (resources: unknown) => ({ name: 'c', image: 'x', resources });
    const best = await send(base, 'POST', {
      metadata: { name: 'best' },
      spec: { containers: [container({})], schedulingGates: [{ name: 'example.com/wait' }] },
      status: { phase: 'Running' },
    });
    expect(best.metadata?.generation).toBeUndefined();
    expect(best.status).toEqual({
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          lastProbeTime: null,
          lastTransitionTime: expect.stringMatching(/Z$/) as string,
          reason: 'SchedulingGated',
          message: 'Scheduling is blocked due to non-empty scheduling gates',
        },
      ],
      qosClass: 'BestEffort',
    });
    const guaranteed = await send(base, 'POST', {
      metadata: { name: 'guaranteed' },
      spec: { containers: [container({ limits: { cpu: '1', memory: '1Gi' } })] },
    });
    expect(guaranteed.status).toEqual({ phase: 'Pending', qosClass: 'Guaranteed' });
    // An owner that exists (the garbage collector deletes a pod whose owner does not).
    const o = s.create('configmaps', { metadata: { name: 'o', namespace: 'ns' } });
    const owner = { apiVersion: 'v1', kind: 'ConfigMap', name: 'o', uid: o.metadata?.uid ?? '' };
    const owned = await send(base, 'POST', {
      metadata: { name: 'owned', ownerReferences: [owner] },
      spec: { containers: [container({ requests: { cpu: '1' } })] },
    });
    expect(owned.status?.qosClass).toBe('Burstable');
    // /status cannot change ownerReferences (old kubelets corrupted them) nor spec.
    const viaStatus = await send(`${base}/owned/status`, 'PATCH', {
      metadata: { ownerReferences: null },
      spec: { nodeName: 'n' },
      status: { phase: 'Running' },
    });
    expect(viaStatus.metadata?.ownerReferences).toEqual([owner]);
    expect(viaStatus.spec?.nodeName).toBeUndefined();
    expect(viaStatus.metadata?.generation).toBeUndefined();
    const spec = await send(`${base}/owned`, 'PATCH', { spec: { activeDeadlineSeconds: 5 } });
    expect(spec.metadata?.generation).toBeUndefined();
  });

  it('services, namespaces, nodes and leases: no generation; each starts with the status its strategy sets', async () => {
    const s = await start();
    const svc = await send(`${s.url}/api/v1/namespaces/ns/services`, 'POST', {
      metadata: { name: 's' },
      spec: { ports: [{ port: 80 }] },
      status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } },
    });
    expect(svc.metadata?.generation).toBeUndefined();
    expect(svc.status).toEqual({ loadBalancer: {} });
    const svcSpec = await send(`${s.url}/api/v1/namespaces/ns/services/s`, 'PATCH', {
      spec: { ports: [{ port: 81 }] },
    });
    expect(svcSpec.metadata?.generation).toBeUndefined();

    const ns = await send(`${s.url}/api/v1/namespaces`, 'POST', {
      metadata: { name: 'team' },
      status: { phase: 'Terminating' },
    });
    expect(ns.metadata?.generation).toBeUndefined();
    expect(ns.status).toEqual({ phase: 'Active' });
    expect(ns.spec).toEqual({ finalizers: ['kubernetes'] });
    // Only the finalize subresource changes spec.finalizers.
    const nsUpdate = await send(`${s.url}/api/v1/namespaces/team`, 'PATCH', {
      spec: { finalizers: [] },
    });
    expect(nsUpdate.spec).toEqual({ finalizers: ['kubernetes'] });

    // A node may be created with its status (a kubelet registers so); updates keep it.
    const node = await send(`${s.url}/api/v1/nodes`, 'POST', {
      metadata: { name: 'n1' },
      spec: { podCIDR: '10.0.0.0/24' },
      status: { capacity: { cpu: '4' } },
    });
    expect(node.metadata?.generation).toBeUndefined();
    expect(node.status).toEqual({ capacity: { cpu: '4' } });
    const nodeUpdate = await send(`${s.url}/api/v1/nodes/n1`, 'PATCH', {
      spec: { unschedulable: true },
      status: { capacity: { cpu: '8' } },
    });
    expect(nodeUpdate.status).toEqual({ capacity: { cpu: '4' } });
    expect(nodeUpdate.metadata?.generation).toBeUndefined();

    const lease = await send(`${s.url}/apis/coordination.k8s.io/v1/namespaces/ns/leases`, 'POST', {
      metadata: { name: 'l' },
      spec: { holderIdentity: 'a' },
    });
    expect(lease.metadata?.generation).toBeUndefined();
    const renewed = await send(
      `${s.url}/apis/coordination.k8s.io/v1/namespaces/ns/leases/l`,
      'PATCH',
      { spec: { holderIdentity: 'b' } },
    );
    expect(renewed.metadata?.generation).toBeUndefined();
  });

  it('deleting with a finalizer bumps the generation of kinds that have one', async () => {
    const s = await start();
    s.create('deployments.apps', {
      metadata: { namespace: 'ns', name: 'd', finalizers: ['example.com/hold'] },
      spec: { replicas: 1 },
    } as KubeObject);
    const deleting = s.delete('deployments.apps', 'ns', 'd');
    expect(deleting.metadata?.deletionTimestamp).toBeDefined();
    expect(deleting.metadata?.generation).toBe(2);
  });

  it('registered built-in kinds: ReplicaSets have a generation, Secrets do not', async () => {
    const s = await start({
      resources: [
        {
          group: 'apps',
          version: 'v1',
          resource: 'replicasets',
          kind: 'ReplicaSet',
          namespaced: true,
          statusSubresource: true,
        },
        { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true },
      ],
    });
    const rs = s.create('replicasets.apps', {
      metadata: { namespace: 'ns', name: 'r' },
      spec: { replicas: 1 },
    } as KubeObject);
    expect(rs.metadata?.generation).toBe(1);
    expect(
      s.patch('replicasets.apps', 'ns', 'r', { spec: { replicas: 2 } }).metadata?.generation,
    ).toBe(2);
    expect(
      s.patch('replicasets.apps', 'ns', 'r', { metadata: { annotations: { a: 'b' } } }).metadata
        ?.generation,
    ).toBe(2);
    const secret = s.create('secrets', {
      metadata: { namespace: 'ns', name: 'x' },
      data: { a: 'Yg==' },
    } as KubeObject);
    expect(secret.metadata?.generation).toBeUndefined();
    expect(
      s.patch('secrets', 'ns', 'x', { data: { a: 'Yw==' } }).metadata?.generation,
    ).toBeUndefined();
  });
});

describe('the emulated Kubernetes version', () => {
  it('is what /version reports', async () => {
    const s = await start();
    const v = await requestJson<{ major: string; minor: string; gitVersion: string }>(
      `${s.url}/version`,
    );
    expect(`${v.body.major}.${v.body.minor}`).toBe(emulatedKubernetesVersion);
    expect(v.body.gitVersion).toMatch(
      new RegExp(`^v${emulatedKubernetesVersion.replace('.', '\\.')}\\.`),
    );
  });
});

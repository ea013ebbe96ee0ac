import { afterEach, describe, expect, it } from 'vitest';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { KubeObject, Status } from '@kubecache/core';
import { makePod } from './fixtures.js';
import { startApiServer, type ApiServer, type ApiServerOptions } from './server.js';
import { requestJson } from './test-support/http.js';

let server: ApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const start = async (o: ApiServerOptions = {}): Promise<ApiServer> =>
  (server = await startApiServer(o));

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
const json = (method: string, body: unknown, contentType = 'application/json'): RequestInit => ({
  method,
  headers: { 'Content-Type': contentType },
  body: JSON.stringify(body),
});

describe('the /status subresource', () => {
  it('lets PUT and PATCH on …/status change status (and the metadata the pod status strategy allows), and makes writes to the pod ignore status', async () => {
    const s = await start();
    const url = `${s.url}/api/v1/namespaces/ns/pods/p`;
    const created = await requestJson<Obj>(
      `${s.url}/api/v1/namespaces/ns/pods`,
      json('POST', makePod({ namespace: 'ns', name: 'p', phase: 'Running' })),
    );
    // Status given to create is dropped: a new pod is Pending, with the QoS class it was given.
    expect(created.body.status).toEqual({ phase: 'Pending', qosClass: 'Burstable' });
    const viaMain = await requestJson<Obj>(
      url,
      json(
        'PATCH',
        { metadata: { labels: { a: '1' } }, status: { phase: 'Failed' } },
        'application/merge-patch+json',
      ),
    );
    expect(viaMain.body.metadata?.labels?.a).toBe('1');
    expect(viaMain.body.status?.phase).toBe('Pending');
    const viaStatus = await requestJson<Obj>(
      `${url}/status`,
      json(
        'PATCH',
        {
          metadata: { labels: { a: '2' } },
          spec: { nodeName: 'other' },
          status: { phase: 'Running' },
        },
        'application/merge-patch+json',
      ),
    );
    expect(viaStatus.body.status?.phase).toBe('Running');
    // podStatusStrategy resets spec and ownerReferences only: labels do change through /status.
    expect(viaStatus.body.metadata?.labels?.a).toBe('2');
    expect(viaStatus.body.spec?.nodeName).toBe(created.body.spec?.nodeName);
    const put = await requestJson<Obj>(
      `${url}/status`,
      json('PUT', { ...viaStatus.body, status: { phase: 'Succeeded' } }),
    );
    // The QoS class is immutable: a status without one keeps the stored one.
    expect(put.body.status).toEqual({ phase: 'Succeeded', qosClass: 'Burstable' });
    const stale = await requestJson<Status>(`${url}/status`, json('PUT', viaStatus.body));
    expect(stale.status).toBe(409);
    expect((await requestJson<Obj>(`${url}/status`)).body.status?.phase).toBe('Succeeded');
    // Resources without the subresource answer 404 on …/status.
    s.create('configmaps', { metadata: { name: 'c', namespace: 'ns' } });
    expect(
      (await requestJson<Status>(`${s.url}/api/v1/namespaces/ns/configmaps/c/status`)).status,
    ).toBe(404);
  });

  it("bumps a deployment's generation for spec and annotation changes only", async () => {
    const s = await start();
    const url = `${s.url}/apis/apps/v1/namespaces/ns/deployments/d`;
    s.create('deployments.apps', {
      metadata: { namespace: 'ns', name: 'd' },
      spec: { replicas: 1 },
    } as KubeObject);
    const patch = async (body: unknown, path = url) =>
      (await requestJson<Obj>(path, json('PATCH', body, 'application/merge-patch+json'))).body;
    expect((await patch({ metadata: { labels: { x: 'y' } } })).metadata?.generation).toBe(1);
    expect((await patch({ status: { replicas: 1 } }, `${url}/status`)).metadata?.generation).toBe(
      1,
    );
    expect((await patch({ spec: { replicas: 3 } })).metadata?.generation).toBe(2);
    // Deployments copy annotations to their ReplicaSets, so annotation changes count too.
    expect((await patch({ metadata: { annotations: { x: 'y' } } })).metadata?.generation).toBe(3);
    // JSON Patch on the status: still no bump.
    const jp = await requestJson<Obj>(
      `${url}/status`,
      json(
        'PATCH',
        [{ op: 'add', path: '/status/readyReplicas', value: 1 }],
        'application/json-patch+json',
      ),
    );
    expect(jp.body.metadata?.generation).toBe(3);
  });

  it('works with client-node patchNamespacedPodStatus and a CustomObjectsApi status patch of a CRD', async () => {
    const s = await start({
      resources: [
        {
          group: 'example.com',
          version: 'v1',
          resource: 'widgets',
          kind: 'Widget',
          namespaced: true,
          statusSubresource: true,
        },
      ],
    });
    s.create('pods', makePod({ namespace: 'ns', name: 'p', phase: 'Pending' }));
    const core = s.kubeConfig.makeApiClient(CoreV1Api);
    const pod = await core.patchNamespacedPodStatus({
      name: 'p',
      namespace: 'ns',
      body: [{ op: 'replace', path: '/status/phase', value: 'Running' }],
    });
    expect(pod.status?.phase).toBe('Running');
    s.create('widgets.example.com', {
      metadata: { name: 'w', namespace: 'ns' },
      spec: { size: 1 },
    } as KubeObject);
    const custom = s.kubeConfig.makeApiClient(CustomObjectsApi);
    const w = (await custom.patchNamespacedCustomObjectStatus({
      group: 'example.com',
      version: 'v1',
      namespace: 'ns',
      plural: 'widgets',
      name: 'w',
      body: [{ op: 'add', path: '/status', value: { ready: true } }],
    })) as Obj;
    expect(w.status).toEqual({ ready: true });
    expect(w.metadata?.generation).toBe(1);
    // The status subresource of the CRD ignores spec changes; the main resource ignores status.
    const main = (await custom.patchNamespacedCustomObject({
      group: 'example.com',
      version: 'v1',
      namespace: 'ns',
      plural: 'widgets',
      name: 'w',
      body: [
        { op: 'replace', path: '/spec/size', value: 2 },
        { op: 'replace', path: '/status/ready', value: false },
      ],
    })) as Obj;
    expect(main.spec?.size).toBe(2);
    expect(main.status).toEqual({ ready: true });
    expect(main.metadata?.generation).toBe(2);
  });

  it('programmatic writes store status as given unless they name the status subresource', async () => {
    const s = await start();
    s.create('pods', makePod({ namespace: 'ns', name: 'p', phase: 'Running' }));
    expect((s.get('pods', 'ns', 'p') as Obj).status?.phase).toBe('Running');
    const spec = (s.get('pods', 'ns', 'p') as Obj).spec;
    const viaStatus = s.patch(
      'pods',
      'ns',
      'p',
      { spec: { nodeName: 'x' }, status: { phase: 'Failed' } },
      { subresource: 'status' },
    ) as Obj;
    expect(viaStatus.status?.phase).toBe('Failed');
    expect(viaStatus.spec).toEqual(spec);
  });
});

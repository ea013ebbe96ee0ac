import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject, Status } from '@kubecache/core';
import { labelSelectorString } from './scale.js';
import { startApiServer, type ApiServer } from './server.js';
import { requestJson } from './test-support/http.js';

let server: ApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

type Scale = KubeObject & {
  spec: { replicas?: number };
  status: { replicas: number; selector?: string };
};
type Deployment = KubeObject & { spec: { replicas?: number } };

const deployment = (name: string): KubeObject =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'ns' },
    spec: {
      replicas: 2,
      selector: {
        matchLabels: { app: name, tier: 'web' },
        matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }],
      },
      template: { metadata: { labels: { app: name } }, spec: { containers: [] } },
    },
    status: { replicas: 1 },
  }) as KubeObject;

describe('/scale', () => {
  it('GET answers an autoscaling/v1 Scale of a Deployment: spec.replicas, status.replicas, the selector as a string', async () => {
    const s = (server = await startApiServer());
    const d = s.create('deployments.apps', deployment('web'));
    s.update('deployments.apps', {
      ...s.get('deployments.apps', 'ns', 'web')!,
      status: { replicas: 1 },
    } as KubeObject);
    const url = `${s.url}/apis/apps/v1/namespaces/ns/deployments/web/scale`;
    const got = await requestJson<Scale>(url);
    expect(got.status).toBe(200);
    const stored = s.get('deployments.apps', 'ns', 'web')!;
    expect(got.body).toEqual({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: 'web',
        namespace: 'ns',
        uid: d.metadata?.uid,
        resourceVersion: stored.metadata?.resourceVersion,
        creationTimestamp: d.metadata?.creationTimestamp,
      },
      spec: { replicas: 2 },
      status: { replicas: 1, selector: 'app=web,env in (dev,prod),tier=web' },
    });
    // Discovery names the subresource with its Scale kind, which kubectl scale looks up.
    const apps = await requestJson<{ resources: Record<string, unknown>[] }>(
      `${s.url}/apis/apps/v1`,
    );
    expect(apps.body.resources).toContainEqual({
      name: 'deployments/scale',
      singularName: '',
      namespaced: true,
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
      verbs: ['get', 'patch', 'update'],
    });
    expect(
      (await requestJson<Status>(`${s.url}/api/v1/namespaces/ns/configmaps/x/scale`)).status,
    ).toBe(404);
  });

  it('PATCH and PUT write spec.replicas (generation moves); a stale resourceVersion is 409, negative replicas 422', async () => {
    const s = (server = await startApiServer());
    s.create('deployments.apps', deployment('web'));
    const url = `${s.url}/apis/apps/v1/namespaces/ns/deployments/web/scale`;
    const patched = await requestJson<Scale>(url, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { replicas: 5 } }),
    });
    expect(patched.status).toBe(200);
    expect(patched.body.spec.replicas).toBe(5);
    const stored = s.get('deployments.apps', 'ns', 'web') as Deployment;
    expect(stored.spec.replicas).toBe(5);
    expect(stored.metadata?.generation).toBe(2);
    expect(patched.body.metadata?.resourceVersion).toBe(stored.metadata?.resourceVersion);

    // PUT with the current resourceVersion; zero replicas are omitted (omitempty) in the answer.
    const put = await requestJson<Scale>(url, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        kind: 'Scale',
        apiVersion: 'autoscaling/v1',
        metadata: {
          name: 'web',
          namespace: 'ns',
          resourceVersion: stored.metadata?.resourceVersion,
        },
        spec: { replicas: 0 },
      }),
    });
    expect(put.status).toBe(200);
    expect(put.body.spec).toEqual({});
    expect((s.get('deployments.apps', 'ns', 'web') as Deployment).spec.replicas).toBe(0);

    const stale = await requestJson<Status>(url, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        metadata: { name: 'web', resourceVersion: stored.metadata?.resourceVersion },
        spec: { replicas: 3 },
      }),
    });
    expect(stale.status).toBe(409);
    expect(stale.body.message).toBe(
      'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again',
    );
    const negative = await requestJson<Status>(url, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { replicas: -1 } }),
    });
    expect(negative.status).toBe(422);
    expect(negative.body.message).toBe(
      'Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    );
    const missing = await requestJson<Status>(
      `${s.url}/apis/apps/v1/namespaces/ns/deployments/nope/scale`,
    );
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('deployments.apps "nope" not found');
  });

  it('serves a registered resource with scaleSubresource paths as the CRD handler does', async () => {
    const s = (server = await startApiServer({
      resources: [
        {
          group: 'example.com',
          version: 'v1',
          resource: 'widgets',
          kind: 'Widget',
          namespaced: true,
          statusSubresource: true,
          scaleSubresource: {
            specReplicasPath: '.spec.size',
            statusReplicasPath: '.status.size',
            labelSelectorPath: '.status.selector',
          },
        },
      ],
    }));
    s.create('widgets.example.com', {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace: 'ns' },
      spec: { size: 1 },
    } as KubeObject);
    s.patch(
      'widgets.example.com',
      'ns',
      'w',
      { status: { size: 1, selector: 'app=w' } },
      {
        subresource: 'status',
      },
    );
    const url = `${s.url}/apis/example.com/v1/namespaces/ns/widgets/w/scale`;
    expect((await requestJson<Scale>(url)).body.status).toEqual({ replicas: 1, selector: 'app=w' });
    const patched = await requestJson<Scale>(url, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { replicas: 4 } }),
    });
    expect(patched.body.spec.replicas).toBe(4);
    expect((s.get('widgets.example.com', 'ns', 'w') as { spec?: unknown }).spec).toEqual({
      size: 4,
    });
  });
});

describe('labelSelectorString', () => {
  it('prints requirements sorted by key as labels.Selector does', () => {
    expect(labelSelectorString(undefined)).toBe('');
    expect(
      labelSelectorString({
        matchLabels: { b: '1' },
        matchExpressions: [
          { key: 'a', operator: 'Exists' },
          { key: 'c', operator: 'DoesNotExist' },
          { key: 'd', operator: 'NotIn', values: ['y', 'x'] },
        ],
      }),
    ).toBe('a,b=1,!c,d notin (x,y)');
  });
});

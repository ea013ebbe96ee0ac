// The built-in resources: what kube-apiserver serves out of the box and controllers watch —
// pods, configmaps, namespaces, nodes, services, events, apps/v1 deployments, coordination.k8s.io
// leases and events.k8s.io events.
import type { KubeObject } from '@kubecache/core';
import { afterEach, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from './server.js';
import { builtinResources, resourceId } from './resources.js';
import { requestJson } from './test-support/http.js';

let server: ApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Table {
  columnDefinitions: { name: string; priority: number }[];
  rows: { cells: unknown[] }[];
}
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
interface ResourceList {
  groupVersion: string;
  resources: {
    name: string;
    kind: string;
    namespaced: boolean;
    shortNames?: string[];
    categories?: string[];
  }[];
}

const deployment = (name: string): KubeObject =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { namespace: 'ns', name },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: 'web', image: 'nginx:1.27' },
            { name: 'sidecar', image: 'envoy:1' },
          ],
        },
      },
    },
    status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  }) as KubeObject;

describe('built-in resources', () => {
  it('are pods, configmaps, namespaces, nodes, services, deployments, leases, customresourcedefinitions and events (core and events.k8s.io)', () => {
    expect(builtinResources.map(resourceId)).toEqual([
      'pods',
      'configmaps',
      'namespaces',
      'nodes',
      'services',
      'deployments.apps',
      'leases.coordination.k8s.io',
      'customresourcedefinitions.apiextensions.k8s.io',
      'events',
      'events.events.k8s.io',
    ]);
  });

  it('serve apps/v1 deployments with discovery (short name deploy), CRUD over HTTP and a Table', async () => {
    const s = (server = await startApiServer());
    const groups = await requestJson<{
      groups: { name: string; preferredVersion: { groupVersion: string } }[];
    }>(`${s.url}/apis`);
    expect(groups.body.groups.find((g) => g.name === 'apps')?.preferredVersion.groupVersion).toBe(
      'apps/v1',
    );
    const apps = await requestJson<ResourceList>(`${s.url}/apis/apps/v1`);
    expect(apps.body.resources).toEqual([
      expect.objectContaining({
        name: 'deployments',
        kind: 'Deployment',
        namespaced: true,
        shortNames: ['deploy'],
        categories: ['all'],
      }),
      expect.objectContaining({ name: 'deployments/status' }),
      expect.objectContaining({ name: 'deployments/scale', group: 'autoscaling', kind: 'Scale' }),
    ]);

    const created = await requestJson<KubeObject>(
      `${s.url}/apis/apps/v1/namespaces/ns/deployments`,
      {
        method: 'POST',
        body: JSON.stringify(deployment('web')),
      },
    );
    expect(created.status).toBe(201);
    expect(created.body.metadata?.resourceVersion).toMatch(/^\d+$/);
    s.update('deployments.apps', deployment('web'), { subresource: 'status' });
    s.create('deployments.apps', { ...deployment('api'), status: {} } as KubeObject);

    const table = await requestJson<Table>(`${s.url}/apis/apps/v1/namespaces/ns/deployments`, {
      headers: { Accept: TABLE },
    });
    expect(table.body.columnDefinitions.map((c) => c.name)).toEqual([
      'Name',
      'Ready',
      'Up-to-date',
      'Available',
      'Age',
      'Containers',
      'Images',
      'Selector',
    ]);
    expect(table.body.rows.map((r) => r.cells.slice(0, 4))).toEqual([
      ['api', '0/3', 0, 0],
      ['web', '2/3', 3, 2],
    ]);
    expect(table.body.rows[1]?.cells.slice(5)).toEqual([
      'web,sidecar',
      'nginx:1.27,envoy:1',
      'app=web',
    ]);
  });

  it('serve core/v1 services with discovery (short name svc), CRUD over HTTP and a Table', async () => {
    const s = (server = await startApiServer());
    const core = await requestJson<ResourceList>(`${s.url}/api/v1`);
    expect(core.body.resources.find((r) => r.name === 'services')).toMatchObject({
      kind: 'Service',
      namespaced: true,
      shortNames: ['svc'],
      categories: ['all'],
    });
    const created = await requestJson<KubeObject>(`${s.url}/api/v1/namespaces/ns/services`, {
      method: 'POST',
      body: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web' },
        spec: {
          clusterIP: '10.96.0.10',
          selector: { app: 'web' },
          ports: [{ port: 80, protocol: 'TCP' }],
        },
      }),
    });
    expect(created.status).toBe(201);
    s.create('services', {
      metadata: { namespace: 'ns', name: 'lb' },
      spec: {
        type: 'LoadBalancer',
        clusterIP: '10.96.0.11',
        ports: [
          { port: 443, nodePort: 30443, protocol: 'TCP' },
          { port: 53, protocol: 'UDP' },
        ],
      },
    } as KubeObject);
    const table = await requestJson<Table>(`${s.url}/api/v1/namespaces/ns/services`, {
      headers: { Accept: TABLE },
    });
    expect(table.body.columnDefinitions.map((c) => c.name)).toEqual([
      'Name',
      'Type',
      'Cluster-IP',
      'External-IP',
      'Port(s)',
      'Age',
      'Selector',
    ]);
    expect(table.body.rows.map((r) => [...r.cells.slice(0, 5), r.cells[6]])).toEqual([
      ['lb', 'LoadBalancer', '10.96.0.11', '<pending>', '443:30443/TCP,53/UDP', '<none>'],
      ['web', 'ClusterIP', '10.96.0.10', '<none>', '80/TCP', 'app=web'],
    ]);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import { makeConfigMap, makePod } from './fixtures.js';
import { startApiServer, type ApiServer } from './server.js';
import { humanDuration, tableVersionOf } from './table.js';
import { openWatch, requestJson } from './test-support/http.js';

let server: ApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Table {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: { name: string; priority: number }[];
  rows: { cells: unknown[]; object?: KubeObject }[];
}
const KUBECTL_ACCEPT =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

describe('meta.k8s.io Table output (what kubectl get asks for)', () => {
  it('prints pods with NAME, READY, STATUS, RESTARTS, AGE (+ wide IP, NODE) and PartialObjectMetadata rows', async () => {
    const s = (server = await startApiServer());
    s.create('pods', makePod({ namespace: 'ns', name: 'running', phase: 'Running' }));
    const crashing = makePod({
      namespace: 'ns',
      name: 'crashing',
      phase: 'Running',
    }) as KubeObject & {
      status: { containerStatuses: Record<string, unknown>[] };
    };
    crashing.status.containerStatuses[0] = {
      ...crashing.status.containerStatuses[0],
      ready: false,
      restartCount: 3,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { finishedAt: new Date(Date.now() - 5 * 60_000).toISOString() } },
    };
    s.create('pods', crashing);
    const { status, body } = await requestJson<Table>(
      `${s.url}/api/v1/namespaces/ns/pods?limit=500`,
      {
        headers: { Accept: KUBECTL_ACCEPT },
      },
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    expect(body.metadata.resourceVersion).toBe(s.resourceVersion());
    expect(body.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name)).toEqual([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
    ]);
    const [crashRow, runningRow] = body.rows;
    expect(crashRow?.cells.slice(0, 4)).toEqual([
      'crashing',
      '1/2',
      'CrashLoopBackOff',
      '3 (5m ago)',
    ]);
    expect(runningRow?.cells.slice(0, 4)).toEqual(['running', '2/2', 'Running', '0']);
    expect(runningRow?.cells[4]).toMatch(/^\d+s$/);
    expect(runningRow?.object).toMatchObject({
      kind: 'PartialObjectMetadata',
      metadata: { name: 'running' },
    });
    s.delete('pods', 'ns', 'running');
    s.create('pods', {
      ...makePod({ namespace: 'ns', name: 'going' }),
      metadata: { name: 'going', namespace: 'ns', finalizers: ['x/y'] },
    });
    s.delete('pods', 'ns', 'going');
    const one = await requestJson<Table>(`${s.url}/api/v1/namespaces/ns/pods/going`, {
      headers: { Accept: KUBECTL_ACCEPT },
    });
    expect(one.body.rows).toHaveLength(1);
    expect(one.body.rows[0]?.cells[2]).toBe('Terminating');
  });

  it('prints config maps with DATA and others with NAME and AGE; includeObject and paging work as for lists', async () => {
    const s = (server = await startApiServer());
    for (const n of ['a', 'b', 'c'])
      s.create('configmaps', makeConfigMap({ namespace: 'ns', name: n, data: { k: 'v', l: 'w' } }));
    s.create('namespaces', { metadata: { name: 'ns' } });
    const cms = await requestJson<Table>(
      `${s.url}/api/v1/configmaps?limit=2&includeObject=Object`,
      {
        headers: { Accept: KUBECTL_ACCEPT },
      },
    );
    expect(cms.body.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Data', 'Age']);
    expect(cms.body.rows.map((r) => r.cells.slice(0, 2))).toEqual([
      ['a', 2],
      ['b', 2],
    ]);
    expect(cms.body.rows[0]?.object?.kind).toBe('ConfigMap');
    expect(cms.body.metadata.continue).toBeTruthy();
    const ns = await requestJson<Table>(`${s.url}/api/v1/namespaces?includeObject=None`, {
      headers: { Accept: 'application/json;as=Table;v=v1beta1;g=meta.k8s.io' },
    });
    expect(ns.body.apiVersion).toBe('meta.k8s.io/v1beta1');
    expect(ns.body.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Age']);
    expect(ns.body.rows[0]).toEqual({ cells: ['ns', expect.stringMatching(/s$/)] });
  });

  it('reads the Table version from Accept and prints ages like kubectl', () => {
    expect(tableVersionOf(KUBECTL_ACCEPT)).toBe('v1');
    expect(tableVersionOf('application/json')).toBeUndefined();
    expect(
      tableVersionOf('application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io'),
    ).toBeUndefined();
    const s = 1000;
    expect(
      [
        45 * s,
        150 * s,
        600 * s,
        4 * 3600 * s + 60 * s * 5,
        30 * 3600 * s,
        3 * 86400 * s + 7200 * s,
        400 * 86400 * s,
        800 * 86400 * s,
      ].map(humanDuration),
    ).toEqual(['45s', '2m30s', '10m', '4h5m', '30h', '3d2h', '400d', '2y70d']);
  });
});

describe('server metadata endpoints and media types', () => {
  it('serves /version and short names and status subresources in discovery', async () => {
    const s = (server = await startApiServer());
    const v = await requestJson<{ major: string; minor: string; gitVersion: string }>(
      `${s.url}/version`,
    );
    expect(v.body).toMatchObject({ major: '1', minor: '32' });
    expect(v.body.gitVersion).toMatch(/^v1\.32\./);
    const core = await requestJson<{
      resources: { name: string; shortNames?: string[]; verbs: string[] }[];
    }>(`${s.url}/api/v1`);
    const byName = new Map(core.body.resources.map((r) => [r.name, r]));
    expect(byName.get('pods')?.shortNames).toEqual(['po']);
    expect(byName.get('configmaps')?.shortNames).toEqual(['cm']);
    expect(byName.get('namespaces')?.shortNames).toEqual(['ns']);
    expect(byName.get('nodes')?.shortNames).toEqual(['no']);
    expect(byName.get('pods/status')?.verbs).toEqual(['get', 'patch', 'update']);
    const coord = await requestJson<{ resources: { name: string; shortNames?: string[] }[] }>(
      `${s.url}/apis/coordination.k8s.io/v1`,
    );
    expect(coord.body.resources[0]?.shortNames).toBeUndefined();
  });

  it('answers 400 for an apply configuration without apiVersion and kind, and 415 with a clear Status for protobuf bodies', async () => {
    const s = (server = await startApiServer());
    s.create('configmaps', makeConfigMap({ namespace: 'ns', name: 'c' }));
    const apply = await requestJson<{ code: number; reason: string; message: string }>(
      `${s.url}/api/v1/namespaces/ns/configmaps/c?fieldManager=me`,
      {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/apply-patch+yaml' },
        body: 'data: {a: b}\n',
      },
    );
    // Server-side apply is served; kube-apiserver's version check refuses a configuration
    // without its kind.
    expect(apply.status).toBe(400);
    expect(apply.body).toMatchObject({
      code: 400,
      reason: 'BadRequest',
      message: 'invalid object type: /, Kind=',
    });
    for (const method of ['POST', 'PUT', 'PATCH']) {
      const url =
        method === 'POST'
          ? `${s.url}/api/v1/namespaces/ns/configmaps`
          : `${s.url}/api/v1/namespaces/ns/configmaps/c`;
      const proto = await requestJson<{ code: number; reason: string; message: string }>(url, {
        method,
        headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' },
        body: Buffer.from([0x6b, 0x38, 0x73, 0x00]),
      });
      expect(proto.status, method).toBe(415);
      // POST/PUT: a protobuf body the decoder cannot read faithfully; PATCH: not a patch type.
      expect(proto.body.message).toContain(
        method === 'PATCH'
          ? 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json'
          : 'send Content-Type: application/json',
      );
    }
  });
});

describe('deployment SELECTOR cell', () => {
  it('is labels.Selector.String() of the selector (requirements sorted by key, empty when none), as printDeployment prints it', async () => {
    const s = (server = await startApiServer());
    const make = (name: string, selector: unknown): KubeObject =>
      ({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: 'ns' },
        spec: { selector, template: { spec: { containers: [] } } },
      }) as KubeObject;
    s.create(
      'deployments.apps',
      make('a', { matchLabels: { b: '1' }, matchExpressions: [{ key: 'a', operator: 'Exists' }] }),
    );
    s.create('deployments.apps', make('b', {}));
    const t = await requestJson<Table>(`${s.url}/apis/apps/v1/namespaces/ns/deployments`, {
      headers: { Accept: KUBECTL_ACCEPT },
    });
    expect(t.body.rows.map((r) => r.cells[7])).toEqual(['a,b=1', '']);
  });
});

describe('Table watches (kubectl get -w)', () => {
  it('streams one-row Tables; only the first event carries columnDefinitions, later ones null', async () => {
    const s = (server = await startApiServer());
    s.create('pods', makePod({ namespace: 'ns', name: 'a', phase: 'Running' }));
    const w = openWatch(`${s.url}/api/v1/namespaces/ns/pods?watch=1&resourceVersion=0`, {
      Accept: KUBECTL_ACCEPT,
    });
    await w.waitFor((l) => l.length >= 1);
    s.create('pods', makePod({ namespace: 'ns', name: 'b', phase: 'Pending' }));
    s.delete('pods', 'ns', 'a');
    await w.waitFor((l) => l.length >= 3);
    w.close();
    const events = w.events() as unknown as { type: string; object: Table }[];
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'ADDED', 'DELETED']);
    expect(events.map((e) => e.object.kind)).toEqual(['Table', 'Table', 'Table']);
    expect(events[0]!.object.columnDefinitions.map((c) => c.name)).toEqual([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
      'IP',
      'Node',
    ]);
    expect(events[1]!.object.columnDefinitions).toBeNull();
    expect(events[2]!.object.columnDefinitions).toBeNull();
    expect(events.map((e) => e.object.rows.map((r) => r.cells.slice(0, 3)))).toEqual([
      [['a', '2/2', 'Running']],
      [['b', '0/2', 'ContainerCreating']],
      [['a', '2/2', 'Running']],
    ]);
    // includeObject defaults to Metadata; the table's resourceVersion is the object's.
    expect(events[1]!.object.rows[0]!.object?.kind).toBe('PartialObjectMetadata');
    expect(events[1]!.object.metadata.resourceVersion).toBe(
      s.get('pods', 'ns', 'b')?.metadata?.resourceVersion,
    );
  });
});

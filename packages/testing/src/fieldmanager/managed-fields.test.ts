// managedFields as kube-apiserver's field manager records them on every kind of write, over HTTP.
import { afterEach, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../server.js';

let server: ApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Entry {
  manager: string;
  operation: string;
  apiVersion: string;
  time?: string;
  fieldsType: string;
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}
interface Obj {
  [k: string]: unknown;
  metadata: { resourceVersion?: string; managedFields?: Entry[]; [k: string]: unknown };
}

async function call(
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Obj }> {
  const res = await fetch(`${server!.url}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Obj };
}

/** The entries without their time, after checking each has one in RFC 3339 seconds. */
const entries = (o: Obj): Omit<Entry, 'time'>[] =>
  (o.metadata.managedFields ?? []).map(({ time, ...rest }) => {
    expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    return rest;
  });
/** fieldsV1 per manager as JSON text, so key order counts. */
const fieldsText = (o: Obj): string[] =>
  (o.metadata.managedFields ?? []).map(
    (e) => `${e.manager}${e.subresource ? `/${e.subresource}` : ''} ${JSON.stringify(e.fieldsV1)}`,
  );

const cms = '/api/v1/namespaces/default/configmaps';

describe('managedFields on writes', () => {
  it('create then update of a ConfigMap by managers a and b: the Update entries kube-apiserver records', async () => {
    server = await startApiServer();
    const created = await call('POST', `${cms}?fieldManager=a`, {
      metadata: { name: 'c', labels: { app: 'x' } },
      data: { k: 'v' },
    });
    expect(created.status).toBe(201);
    expect(entries(created.body)).toEqual([
      {
        manager: 'a',
        operation: 'Update',
        apiVersion: 'v1',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:data': { '.': {}, 'f:k': {} },
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
        },
      },
    ]);
    expect(fieldsText(created.body)).toEqual([
      'a {"f:data":{".":{},"f:k":{}},"f:metadata":{"f:labels":{".":{},"f:app":{}}}}',
    ]);
    // b changes k and adds j: a keeps .data itself and the label, b owns both keys.
    const updated = await call('PUT', `${cms}/c?fieldManager=b`, {
      ...created.body,
      data: { k: 'v2', j: 'w' },
    });
    expect(updated.status).toBe(200);
    expect(fieldsText(updated.body)).toEqual([
      'a {"f:data":{},"f:metadata":{"f:labels":{".":{},"f:app":{}}}}',
      'b {"f:data":{"f:j":{},"f:k":{}}}',
    ]);
    // b removes the label a set: a loses it.
    const relabelled = await call('PUT', `${cms}/c?fieldManager=b`, {
      ...updated.body,
      metadata: { ...updated.body.metadata, labels: {} },
    });
    expect(fieldsText(relabelled.body)).toEqual([
      'a {"f:data":{},"f:metadata":{"f:labels":{}}}',
      'b {"f:data":{"f:j":{},"f:k":{}}}',
    ]);
  });

  it('names the manager after the User-Agent up to its first "/" without fieldManager; a patch of each type records an entry', async () => {
    server = await startApiServer();
    await call('POST', `${cms}?fieldManager=a`, { metadata: { name: 'c' }, data: { k: 'v' } });
    const ua = { 'User-Agent': 'my-controller/v1.2.3 (linux/amd64) kubernetes/abc' };
    const merge = await call(
      'PATCH',
      `${cms}/c`,
      { data: { m: '1' } },
      {
        ...ua,
        'Content-Type': 'application/merge-patch+json',
      },
    );
    const strategic = await call(
      'PATCH',
      `${cms}/c?fieldManager=s`,
      { data: { s: '1' } },
      {
        'Content-Type': 'application/strategic-merge-patch+json',
      },
    );
    const json = await call(
      'PATCH',
      `${cms}/c?fieldManager=j`,
      [{ op: 'add', path: '/data/j', value: '1' }],
      {
        'Content-Type': 'application/json-patch+json',
      },
    );
    expect(merge.status).toBe(200);
    expect(strategic.status).toBe(200);
    // Sorted: entries are ordered by their time (seconds) before their manager, and these four
    // writes may straddle a second.
    expect(fieldsText(json.body).sort()).toEqual([
      'a {"f:data":{".":{},"f:k":{}}}',
      'j {"f:data":{"f:j":{}}}',
      'my-controller {"f:data":{"f:m":{}}}',
      's {"f:data":{"f:s":{}}}',
    ]);
  });

  it('keeps managedFields a write omits, clears them on managedFields: [] and records nothing for a write that changes nothing', async () => {
    server = await startApiServer();
    const created = await call('POST', `${cms}?fieldManager=a`, {
      metadata: { name: 'c' },
      data: { k: 'v' },
    });
    const { managedFields: _m, ...meta } = created.body.metadata;
    const omitted = await call('PUT', `${cms}/c?fieldManager=b`, {
      ...created.body,
      metadata: meta,
    });
    expect(fieldsText(omitted.body)).toEqual(['a {"f:data":{".":{},"f:k":{}}}']);
    const cleared = await call('PUT', `${cms}/c?fieldManager=b`, {
      ...omitted.body,
      metadata: {
        ...meta,
        resourceVersion: omitted.body.metadata.resourceVersion,
        managedFields: [],
      },
    });
    expect(cleared.status).toBe(200);
    expect(cleared.body.metadata.managedFields).toBeUndefined();
  });

  it('a /status write gets its own entry with subresource "status"; the main resource never records status', async () => {
    server = await startApiServer();
    const pods = '/api/v1/namespaces/default/pods';
    const created = await call('POST', `${pods}?fieldManager=kube-controller-manager`, {
      metadata: {
        name: 'p',
        labels: { app: 'x' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'o', uid: 'u1' }],
      },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'nginx',
            ports: [{ containerPort: 80 }],
            env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          },
        ],
      },
      status: { phase: 'Running' },
    });
    expect(fieldsText(created.body)).toEqual([
      'kube-controller-manager {"f:metadata":{"f:labels":{".":{},"f:app":{}},"f:ownerReferences":{".":{},"k:{\\"uid\\":\\"u1\\"}":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"app\\"}":{".":{},"f:env":{".":{},"k:{\\"name\\":\\"A\\"}":{".":{},"f:name":{},"f:valueFrom":{".":{},"f:fieldRef":{}}}},"f:image":{},"f:name":{},"f:ports":{".":{},"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{}}}}}}}',
    ]);
    const status = await call(
      'PATCH',
      `${pods}/p/status?fieldManager=kubelet`,
      {
        status: {
          phase: 'Running',
          podIP: '10.0.0.1',
          conditions: [{ type: 'Ready', status: 'True' }],
        },
        spec: { nodeName: 'ignored' },
      },
      { 'Content-Type': 'application/strategic-merge-patch+json' },
    );
    expect(status.status).toBe(200);
    const kubelet = status.body.metadata.managedFields!.find((e) => e.manager === 'kubelet')!;
    expect(kubelet.subresource).toBe('status');
    expect(JSON.stringify(kubelet.fieldsV1)).toBe(
      '{"f:status":{"f:conditions":{".":{},"k:{\\"type\\":\\"Ready\\"}":{".":{},"f:status":{},"f:type":{}}},"f:phase":{},"f:podIP":{}}}',
    );
  });

  it('caps Update entries at 10: the oldest are merged into "ancient-changes"', async () => {
    server = await startApiServer();
    await call('POST', `${cms}?fieldManager=m00`, { metadata: { name: 'c' }, data: { k00: 'v' } });
    let last: Obj | undefined;
    for (let i = 1; i <= 10; i++) {
      const m = `m${String(i).padStart(2, '0')}`;
      last = (
        await call(
          'PATCH',
          `${cms}/c?fieldManager=${m}`,
          { data: { [`k${m.slice(1)}`]: 'v' } },
          {
            'Content-Type': 'application/merge-patch+json',
          },
        )
      ).body;
    }
    const got = last!.metadata.managedFields!;
    expect(got).toHaveLength(10);
    const ancient = got.find((e) => e.manager === 'ancient-changes')!;
    expect(ancient.fieldsV1).toEqual({ 'f:data': { '.': {}, 'f:k00': {}, 'f:k01': {} } });
    expect(
      got
        .map((e) => e.manager)
        .filter((m) => m !== 'ancient-changes')
        .sort(),
    ).toEqual(['m02', 'm03', 'm04', 'm05', 'm06', 'm07', 'm08', 'm09', 'm10']);
  });

  it('a /scale write records spec.replicas under subresource "scale" and takes it from the creator', async () => {
    server = await startApiServer();
    const deploys = '/apis/apps/v1/namespaces/default/deployments';
    await call('POST', `${deploys}?fieldManager=creator`, {
      metadata: { name: 'd' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'd' } },
        template: {
          metadata: { labels: { app: 'd' } },
          spec: { containers: [{ name: 'c', image: 'i' }] },
        },
      },
    });
    const scaled = await call(
      'PATCH',
      `${deploys}/d/scale?fieldManager=hpa`,
      { spec: { replicas: 3 } },
      {
        'Content-Type': 'application/merge-patch+json',
      },
    );
    expect(scaled.status).toBe(200);
    const d = (await (await fetch(`${server.url}${deploys}/d`)).json()) as Obj;
    expect(fieldsText(d)).toEqual([
      'creator {"f:spec":{"f:selector":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"c\\"}":{".":{},"f:image":{},"f:name":{}}}}}}}',
      'hpa/scale {"f:spec":{"f:replicas":{}}}',
    ]);
    expect(d.metadata.managedFields!.find((e) => e.manager === 'hpa')).toMatchObject({
      operation: 'Update',
      apiVersion: 'apps/v1',
      subresource: 'scale',
    });
  });
  it('the programmatic API records managedFields only when given a fieldManager', async () => {
    server = await startApiServer();
    const cm = (name: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'default' },
      data: { k: 'v' },
    });
    expect(server.create('configmaps', cm('plain')).metadata?.managedFields).toBeUndefined();
    const seeded = server.create('configmaps', cm('seeded'), { fieldManager: 'seed' });
    const patched = server.patch(
      'configmaps',
      'default',
      'seeded',
      { data: { j: '1' } },
      {
        fieldManager: 'editor',
      },
    );
    expect((seeded as unknown as Obj).metadata.managedFields?.map((e) => e.manager)).toEqual([
      'seed',
    ]);
    expect(fieldsText(patched as unknown as Obj).sort()).toEqual([
      'editor {"f:data":{"f:j":{}}}',
      'seed {"f:data":{".":{},"f:k":{}}}',
    ]);
  });
});

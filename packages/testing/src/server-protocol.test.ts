import { afterEach, describe, expect, it } from 'vitest';
import { CoreV1Api, CustomObjectsApi, Watch } from '@kubernetes/client-node';
import type { KubeList, KubeObject, Status } from '@kubecache/core';
import { makeConfigMap, makePod } from './fixtures.js';
import { startApiServer, type ApiServer, type ApiServerOptions } from './server.js';
import { openWatch, requestJson } from './test-support/http.js';

let server: ApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const start = async (o: ApiServerOptions = {}): Promise<ApiServer> =>
  (server = await startApiServer(o));
const names = (l: { items: KubeObject[] }): string[] => l.items.map((i) => i.metadata?.name ?? '');
const widgets = {
  group: 'example.com',
  version: 'v1',
  resource: 'widgets',
  kind: 'Widget',
  namespaced: true,
} as const;

describe('wire protocol', () => {
  it('streams watches as chunked application/json, one complete JSON object per line', async () => {
    const s = await start();
    s.create('configmaps', makeConfigMap({ namespace: 'ns', name: 'a' }));
    const w = openWatch(`${s.url}/api/v1/configmaps?watch=true&resourceVersion=0`);
    const { status, headers } = await w.response;
    expect(status).toBe(200);
    expect(headers['content-type']).toBe('application/json');
    expect(headers['transfer-encoding']).toBe('chunked');
    s.create('configmaps', makeConfigMap({ namespace: 'ns', name: 'b' }));
    await w.waitFor((l) => l.length >= 2);
    expect(w.events().map((e) => `${e.type}:${e.object.metadata?.name}`)).toEqual([
      'ADDED:a',
      'ADDED:b',
    ]);
    w.close();
  });

  it('sends DELETED with the last state at the deletion revision, and scopes namespaced watches', async () => {
    const s = await start();
    s.create('configmaps', makeConfigMap({ namespace: 'other', name: 'x' }));
    const rv = s.resourceVersion();
    const w = openWatch(`${s.url}/api/v1/namespaces/ns/configmaps?watch=1&resourceVersion=${rv}`);
    await w.response;
    s.create('configmaps', makeConfigMap({ namespace: 'ns', name: 'a', data: { k: 'last' } }));
    s.delete('configmaps', 'other', 'x');
    const final = s.delete('configmaps', 'ns', 'a');
    await w.waitFor((l) => l.length >= 2);
    const [added, deleted] = w.events();
    expect(added?.type).toBe('ADDED');
    expect(deleted).toMatchObject({ type: 'DELETED', object: { data: { k: 'last' } } });
    expect(deleted?.object.metadata?.resourceVersion).toBe(final.metadata?.resourceVersion);
    expect(deleted?.object.metadata?.resourceVersion).toBe(s.resourceVersion());
    w.close();
  });

  it('bumps generation on spec changes only, returns copies, and validates writes with Status errors', async () => {
    const s = await start();
    const p = s.create('pods', makePod({ namespace: 'ns', name: 'p' }));
    p.metadata!.labels = { mutated: 'by-caller' };
    expect(s.get('pods', 'ns', 'p')?.metadata?.labels?.mutated).toBeUndefined();
    // Pods have no generation before Kubernetes 1.33; deployments do.
    expect(p.metadata?.generation).toBeUndefined();
    s.create('deployments.apps', {
      metadata: { namespace: 'ns', name: 'd' },
      spec: { replicas: 1 },
    } as KubeObject);
    const status = s.patch('deployments.apps', 'ns', 'd', { status: { replicas: 1 } });
    expect(status.metadata?.generation).toBe(1);
    const spec = s.patch('deployments.apps', 'ns', 'd', { spec: { replicas: 2 } });
    expect(spec.metadata?.generation).toBe(2);
    const unchangedPut = s.update('deployments.apps', {
      ...spec,
      metadata: { ...spec.metadata, resourceVersion: '' },
    });
    expect(unchangedPut.metadata?.generation).toBe(2);
    const removed = s.patch('pods', 'ns', 'p', { metadata: { annotations: null } });
    expect(removed.metadata?.annotations).toBeUndefined();
    const url = `${s.url}/api/v1/namespaces/ns/pods/p`;
    const unsupported = await requestJson<Status>(url, {
      method: 'PATCH',
      headers: { 'Content-Type': 'text/plain' },
      body: '{}',
    });
    expect(unsupported.status).toBe(415);
    const mismatch = await requestJson<Status>(url, {
      method: 'PUT',
      body: JSON.stringify({ metadata: { name: 'q', namespace: 'ns' } }),
    });
    expect(mismatch.status).toBe(400);
    const notJson = await requestJson<Status>(url, { method: 'PUT', body: '{nope' });
    expect(notJson.body).toMatchObject({ kind: 'Status', code: 400, reason: 'BadRequest' });
    const badName = await requestJson<Status>(`${s.url}/api/v1/namespaces/ns/pods`, {
      method: 'POST',
      body: JSON.stringify({ metadata: { name: 'Not_Valid' } }),
    });
    expect(badName.body).toMatchObject({ code: 422, reason: 'Invalid' });
    const missing = await requestJson<Status>(`${s.url}/api/v1/namespaces/ns/pods/zzz`, {
      method: 'DELETE',
    });
    expect(missing.body).toMatchObject({ code: 404, reason: 'NotFound' });
    expect(() => s.delete('pods', 'ns', 'zzz')).toThrow(/not found/);
  });

  it('serves cluster-scoped namespaces and nodes at their own paths', async () => {
    const s = await start();
    const created = await requestJson<KubeObject>(`${s.url}/api/v1/namespaces`, {
      method: 'POST',
      body: JSON.stringify({ metadata: { name: 'team-a' } }),
    });
    expect(created.status).toBe(201);
    expect(created.body.metadata?.namespace).toBeUndefined();
    s.create('nodes', { metadata: { name: 'node-1', labels: { zone: 'a' } } });
    const node = await requestJson<KubeObject>(`${s.url}/api/v1/nodes/node-1`);
    expect(node.body).toMatchObject({ kind: 'Node', apiVersion: 'v1' });
    const nodes = await requestJson<KubeList<KubeObject>>(
      `${s.url}/api/v1/nodes?labelSelector=zone%3Da`,
    );
    expect(nodes.body.kind).toBe('NodeList');
    expect(names(nodes.body)).toEqual(['node-1']);
    expect((await fetch(`${s.url}/api/v1/namespaces/team-a/nodes`)).status).toBe(404);
  });

  it('follows resourceVersion semantics for lists: 0, NotOlderThan, Exact, compacted, malformed', async () => {
    const s = await start();
    s.create('configmaps', makeConfigMap({ namespace: 'ns', name: 'a' }));
    const early = s.resourceVersion();
    s.create('configmaps', makeConfigMap({ namespace: 'ns', name: 'b' }));
    const now = s.resourceVersion();
    const zero = await requestJson<KubeList<KubeObject>>(
      `${s.url}/api/v1/configmaps?resourceVersion=0`,
    );
    expect(zero.body.metadata?.resourceVersion).toBe(now);
    const notOlder = await requestJson<KubeList<KubeObject>>(
      `${s.url}/api/v1/configmaps?resourceVersion=${early}&resourceVersionMatch=NotOlderThan`,
    );
    expect(notOlder.body.metadata?.resourceVersion).toBe(now);
    expect(names(notOlder.body)).toEqual(['a', 'b']);
    s.compact();
    const exactGone = await requestJson<Status>(
      `${s.url}/api/v1/configmaps?resourceVersion=${early}&resourceVersionMatch=Exact`,
    );
    expect(exactGone.body).toMatchObject({ code: 410, reason: 'Expired' });
    const exactNow = await requestJson<KubeList<KubeObject>>(
      `${s.url}/api/v1/configmaps?resourceVersion=${now}&resourceVersionMatch=Exact`,
    );
    expect(names(exactNow.body)).toEqual(['a', 'b']);
    expect(
      (await requestJson<Status>(`${s.url}/api/v1/configmaps?resourceVersionMatch=Exact`)).status,
    ).toBe(422);
    for (const q of [
      'resourceVersion=abc',
      'continue=garbage',
      'limit=1&continue=garbage&resourceVersion=5',
    ]) {
      expect((await requestJson<Status>(`${s.url}/api/v1/configmaps?${q}`)).status).toBe(400);
    }
  });

  it('pages namespaced, selected lists without remainingItemCount and without leaking other namespaces', async () => {
    const s = await start();
    for (let i = 0; i < 12; i++) {
      for (const ns of ['a', 'b', 'c']) {
        s.create(
          'pods',
          makePod({
            namespace: ns,
            name: `p${String(i).padStart(2, '0')}`,
            labels: { even: String(i % 2 === 0) },
          }),
        );
      }
    }
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const page = await requestJson<KubeList<KubeObject>>(
        `${s.url}/api/v1/namespaces/b/pods?limit=2&labelSelector=even%3Dtrue${token ? `&continue=${token}` : ''}`,
      );
      pages++;
      expect(page.body.metadata?.remainingItemCount).toBeUndefined();
      seen.push(...page.body.items.map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`));
      token = page.body.metadata?.continue ?? '';
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(['b/p00', 'b/p02', 'b/p04', 'b/p06', 'b/p08', 'b/p10']);
    const unfiltered = await requestJson<KubeList<KubeObject>>(
      `${s.url}/api/v1/namespaces/c/pods?limit=5`,
    );
    expect(unfiltered.body.metadata?.remainingItemCount).toBe(7);
  });

  it('serves metadata-only watches and deletes collections by selector', async () => {
    const s = await start();
    s.create('pods', makePod({ namespace: 'ns', name: 'keep', labels: { tier: 'db' } }));
    s.create('pods', makePod({ namespace: 'ns', name: 'drop1', labels: { tier: 'web' } }));
    s.create('pods', makePod({ namespace: 'ns', name: 'drop2', labels: { tier: 'web' } }));
    const w = openWatch(`${s.url}/api/v1/pods?watch=1&resourceVersion=${s.resourceVersion()}`, {
      Accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1',
    });
    await w.response;
    const deleted = await requestJson<KubeList<KubeObject>>(
      `${s.url}/api/v1/namespaces/ns/pods?labelSelector=tier%3Dweb`,
      { method: 'DELETE' },
    );
    expect(deleted.body.kind).toBe('PodList');
    expect(names(deleted.body)).toEqual(['drop1', 'drop2']);
    expect(names(s.list('pods'))).toEqual(['keep']);
    await w.waitFor((l) => l.length >= 2);
    for (const e of w.events()) {
      expect(e.type).toBe('DELETED');
      expect(Object.keys(e.object)).toEqual(['kind', 'apiVersion', 'metadata']);
      expect(e.object.kind).toBe('PartialObjectMetadata');
    }
    w.close();
    expect(s.requests.count({ verb: 'deletecollection' })).toBe(1);
  });

  it('serves discovery documents for the core group and registered groups', async () => {
    const s = await start();
    s.registerResource(widgets);
    const api = await requestJson<{ kind: string; versions: string[] }>(`${s.url}/api`);
    expect(api.body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const group = await requestJson<{
      groupVersion: string;
      resources: { name: string; namespaced: boolean; verbs: string[] }[];
    }>(`${s.url}/apis/example.com/v1`);
    expect(group.body.groupVersion).toBe('example.com/v1');
    expect(group.body.resources[0]).toMatchObject({ name: 'widgets', namespaced: true });
    expect(group.body.resources[0]?.verbs).toContain('watch');
    expect((await fetch(`${s.url}/apis/example.com/v2/widgets`)).status).toBe(404);
    expect((await fetch(`${s.url}/nonsense`)).status).toBe(404);
  });
});

describe('request body media types', () => {
  it('takes JSON and YAML bodies; answers any other media type 415 with the types kube-apiserver lists (protobuf for built-in kinds only)', async () => {
    const s = await start({ resources: [widgets] });
    const post = (url: string, contentType: string, body: string | Buffer) =>
      requestJson<KubeObject & Status>(url, {
        method: 'POST',
        headers: { 'Content-Type': contentType },
        body,
      });
    const cms = `${s.url}/api/v1/namespaces/ns/configmaps`;
    const yaml = await post(
      cms,
      'application/yaml',
      'metadata:\n  name: from-yaml\ndata:\n  a: "1"\n',
    );
    expect(yaml.status).toBe(201);
    expect((s.get('configmaps', 'ns', 'from-yaml') as { data?: unknown }).data).toEqual({ a: '1' });
    const text = await post(cms, 'application/xml', '<ConfigMap/>');
    expect(text.status).toBe(415);
    expect(text.body).toMatchObject({
      reason: 'UnsupportedMediaType',
      message:
        'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf',
    });
    const cr = await post(
      `${s.url}/apis/example.com/v1/namespaces/ns/widgets`,
      'application/vnd.kubernetes.protobuf',
      Buffer.from('k8s\u0000'),
    );
    expect(cr.status).toBe(415);
    expect(cr.body.message).toBe(
      'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml',
    );
  });
});

describe('with @kubernetes/client-node', () => {
  it('watches through client-node Watch with token auth, and lists CRD objects through CustomObjectsApi', async () => {
    const s = await start({ token: 'tkn', resources: [widgets] });
    s.create('widgets.example.com', {
      metadata: { name: 'w1', namespace: 'ns' },
      spec: { size: 1 },
    } as KubeObject);
    const custom = s.kubeConfig.makeApiClient(CustomObjectsApi);
    const list = (await custom.listNamespacedCustomObject({
      group: 'example.com',
      version: 'v1',
      namespace: 'ns',
      plural: 'widgets',
    })) as KubeList<KubeObject>;
    expect(names(list)).toEqual(['w1']);
    const events: string[] = [];
    let sawAll!: () => void;
    const done = new Promise<void>((r) => (sawAll = r));
    const req = await new Watch(s.kubeConfig).watch(
      '/apis/example.com/v1/namespaces/ns/widgets',
      { resourceVersion: '0', allowWatchBookmarks: true },
      (type: string, obj: KubeObject) => {
        events.push(`${type}:${obj.metadata?.name}`);
        if (events.length === 2) sawAll();
      },
      () => undefined,
    );
    s.patch('widgets.example.com', 'ns', 'w1', { spec: { size: 2 } });
    await done;
    req.abort();
    expect(events).toEqual(['ADDED:w1', 'MODIFIED:w1']);
  });

  it('rejects a wrong token with 401 through CoreV1Api over HTTPS', async () => {
    const s = await start({ tls: true, token: 'right' });
    const yaml = s.kubeConfigYaml().replace('token: right', 'token: wrong');
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    kc.loadFromString(yaml);
    const err = await kc
      .makeApiClient(CoreV1Api)
      .listNamespacedPod({ namespace: 'ns' })
      .catch((e: unknown) => e);
    expect((err as { code?: number }).code).toBe(401);
    expect(s.requests.entries.at(-1)?.status).toBe(401);
  });
});

import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeList, KubeObject, Status } from '@kubecache/core';
import { makeConfigMap, makePod } from './fixtures.js';
import { startApiServer, type ApiServer, type ApiServerOptions } from './server.js';

let server: ApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
const start = async (o: ApiServerOptions = {}): Promise<ApiServer> =>
  (server = await startApiServer(o));

const getJson = async <T>(
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: T; headers: Headers }> => {
  const res = await fetch(`${server!.url}${path}`, init);
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
};

/** Opens a watch and collects parsed lines until `until` says stop (or the stream ends). */
function watch(
  path: string,
  until: (events: { type: string; object: KubeObject & Status }[]) => boolean,
  timeoutMs = 5000,
) {
  return new Promise<{ type: string; object: KubeObject & Status }[]>((resolve, reject) => {
    const events: { type: string; object: KubeObject & Status }[] = [];
    const req = http.get(`${server!.url}${path}`, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buf.slice(0, i)));
          buf = buf.slice(i + 1);
        }
        if (until(events)) {
          req.destroy();
          resolve(events);
        }
      });
      res.on('end', () => resolve(events));
    });
    req.on('error', (e) => (events.length ? resolve(events) : reject(e)));
    setTimeout(() => {
      req.destroy();
      resolve(events);
    }, timeoutMs);
  });
}

const names = (l: { items: KubeObject[] }): string[] => l.items.map((i) => i.metadata!.name!);

describe('in-process API server', () => {
  it('creates with server-set fields, gets, updates with RV preconditions, patches and deletes', async () => {
    const s = await start();
    const created = s.create('pods', makePod({ namespace: 'ns', name: 'a' }));
    expect(created.metadata).toMatchObject({ name: 'a', namespace: 'ns' });
    // Pods get metadata.generation from Kubernetes 1.33; the server emulates 1.32.
    expect(created.metadata?.generation).toBeUndefined();
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    const rv1 = Number(created.metadata?.resourceVersion);
    const got = await getJson<KubeObject>('/api/v1/namespaces/ns/pods/a');
    expect(got.body.metadata?.resourceVersion).toBe(String(rv1));
    const stale = await getJson<Status>('/api/v1/namespaces/ns/pods/a', {
      method: 'PUT',
      body: JSON.stringify({ ...created, metadata: { ...created.metadata, resourceVersion: '1' } }),
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
    const patched = await getJson<KubeObject>('/api/v1/namespaces/ns/pods/a', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { labels: { extra: 'yes' } } }),
    });
    expect(patched.body.metadata?.labels?.extra).toBe('yes');
    expect(Number(patched.body.metadata?.resourceVersion)).toBeGreaterThan(rv1);
    const jsonPatched = await getJson<KubeObject>('/api/v1/namespaces/ns/pods/a', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json-patch+json' },
      body: JSON.stringify([
        { op: 'add', path: '/metadata/annotations', value: { a: '1' } },
        { op: 'replace', path: '/metadata/labels/extra', value: 'no' },
        { op: 'test', path: '/metadata/name', value: 'a' },
      ]),
    });
    expect(jsonPatched.body.metadata?.annotations).toEqual({ a: '1' });
    expect(jsonPatched.body.metadata?.labels?.extra).toBe('no');
    const failedTest = await getJson<Status>('/api/v1/namespaces/ns/pods/a', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json-patch+json' },
      body: JSON.stringify([{ op: 'test', path: '/metadata/name', value: 'b' }]),
    });
    expect(failedTest.status).toBe(422);
    const viaPost = await getJson<KubeObject>('/api/v1/namespaces/ns/configmaps', {
      method: 'POST',
      body: JSON.stringify({ metadata: { generateName: 'cm-' }, data: { a: '1' } }),
    });
    expect(viaPost.status).toBe(201);
    expect(viaPost.body.metadata?.name).toMatch(/^cm-/);
    const dup = await getJson<Status>('/api/v1/namespaces/ns/configmaps', {
      method: 'POST',
      body: JSON.stringify(viaPost.body),
    });
    expect(dup.body.reason).toBe('AlreadyExists');
    const bad = await getJson<Status>('/api/v1/namespaces/ns/configmaps', {
      method: 'POST',
      body: JSON.stringify({ metadata: {} }),
    });
    expect(bad.status).toBe(422);
    expect(bad.body.details?.causes?.[0]?.field).toBe('metadata.name');
    const del = await getJson<KubeObject>('/api/v1/namespaces/ns/pods/a', { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect((await getJson<Status>('/api/v1/namespaces/ns/pods/a')).status).toBe(404);
    const unknown = await getJson<Status>('/api/v1/widgets');
    expect(unknown.status).toBe(404);
    expect(unknown.body.kind).toBe('Status');
    expect(s.requests.count({ verb: 'delete', resource: 'pods' })).toBe(1);
  });

  it('pages lists with opaque continue tokens and remainingItemCount, consistent at the first page RV', async () => {
    const s = await start();
    for (let i = 0; i < 25; i++)
      s.create(
        'configmaps',
        makeConfigMap({ namespace: 'ns', name: `cm-${String(i).padStart(2, '0')}` }),
      );
    const seen: string[] = [];
    let token = '';
    let firstRv = '';
    let pages = 0;
    for (;;) {
      const { body } = await getJson<KubeList<KubeObject>>(
        `/api/v1/configmaps?limit=10${token ? `&continue=${token}` : ''}`,
      );
      pages++;
      firstRv ||= body.metadata!.resourceVersion!;
      expect(body.metadata?.resourceVersion).toBe(firstRv);
      seen.push(...names(body));
      if (pages === 1) {
        expect(body.metadata?.remainingItemCount).toBe(15);
        // Changes after the first page do not leak into the later pages.
        s.delete('configmaps', 'ns', 'cm-24');
        s.create('configmaps', makeConfigMap({ namespace: 'ns', name: 'cm-99' }));
      }
      token = body.metadata?.continue ?? '';
      if (!token) break;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `cm-${String(i).padStart(2, '0')}`));
  });

  it('answers 410 Expired for continue tokens older than the compacted revision', async () => {
    const s = await start();
    for (let i = 0; i < 5; i++)
      s.create('configmaps', makeConfigMap({ namespace: 'ns', name: `c${i}` }));
    const first = await getJson<KubeList<KubeObject>>('/api/v1/configmaps?limit=2');
    s.create('configmaps', makeConfigMap({ namespace: 'ns', name: 'later' }));
    s.compact();
    const next = await getJson<Status>(
      `/api/v1/configmaps?limit=2&continue=${first.body.metadata!.continue!}`,
    );
    expect(next.status).toBe(410);
    expect(next.body.reason).toBe('Expired');
  });

  it('filters lists by label and field selectors and namespace', async () => {
    const s = await start();
    s.create(
      'pods',
      makePod({ namespace: 'a', name: 'p1', labels: { app: 'web' }, nodeName: 'n1' }),
    );
    s.create(
      'pods',
      makePod({ namespace: 'a', name: 'p2', labels: { app: 'db' }, phase: 'Pending' }),
    );
    s.create('pods', makePod({ namespace: 'b', name: 'p3', labels: { app: 'web' } }));
    expect(
      names((await getJson<KubeList<KubeObject>>('/api/v1/pods?labelSelector=app%3Dweb')).body),
    ).toEqual(['p1', 'p3']);
    expect(
      names(
        (await getJson<KubeList<KubeObject>>('/api/v1/pods?labelSelector=app%20in%20(db)')).body,
      ),
    ).toEqual(['p2']);
    expect(
      names(
        (await getJson<KubeList<KubeObject>>('/api/v1/pods?fieldSelector=metadata.name%3Dp3')).body,
      ),
    ).toEqual(['p3']);
    expect(
      names(
        (await getJson<KubeList<KubeObject>>('/api/v1/pods?fieldSelector=status.phase%3DPending'))
          .body,
      ),
    ).toEqual(['p2']);
    expect(
      names(
        (await getJson<KubeList<KubeObject>>('/api/v1/pods?fieldSelector=spec.nodeName%3Dn1')).body,
      ),
    ).toEqual(['p1']);
    expect(names((await getJson<KubeList<KubeObject>>('/api/v1/namespaces/a/pods')).body)).toEqual([
      'p1',
      'p2',
    ]);
    expect((await getJson<Status>('/api/v1/pods?fieldSelector=spec.bogus%3Dx')).status).toBe(400);
  });

  it('lists at an exact past revision and answers 504 ResourceVersionTooLarge for the future', async () => {
    const s = await start();
    s.create('configmaps', makeConfigMap({ namespace: 'ns', name: 'one' }));
    const rv = s.resourceVersion();
    s.create('configmaps', makeConfigMap({ namespace: 'ns', name: 'two' }));
    const exact = await getJson<KubeList<KubeObject>>(
      `/api/v1/configmaps?resourceVersion=${rv}&resourceVersionMatch=Exact`,
    );
    expect(names(exact.body)).toEqual(['one']);
    expect(exact.body.metadata?.resourceVersion).toBe(rv);
    const future = await getJson<Status>(
      '/api/v1/configmaps?resourceVersion=999999&resourceVersionMatch=NotOlderThan',
    );
    expect(future.status).toBe(504);
    expect(future.body.details?.causes?.[0]?.reason).toBe('ResourceVersionTooLarge');
  });

  it('watches from a list RV (exactly the later changes), from RV 0 (synthetic ADDED first), with bookmarks and timeouts', async () => {
    const s = await start({ bookmarkIntervalMs: 50 });
    s.create('configmaps', makeConfigMap({ namespace: 'ns', name: 'a' }));
    const rv = s.resourceVersion();
    s.patch('configmaps', 'ns', 'a', { data: { k: 'v2' } });
    s.create('configmaps', makeConfigMap({ namespace: 'ns', name: 'b' }));
    s.delete('configmaps', 'ns', 'a');
    const fromRv = await watch(
      `/api/v1/configmaps?watch=1&resourceVersion=${rv}`,
      (e) => e.length >= 3,
    );
    expect(fromRv.map((e) => `${e.type}:${e.object.metadata?.name}`)).toEqual([
      'MODIFIED:a',
      'ADDED:b',
      'DELETED:a',
    ]);
    const fromZero = await watch(
      '/api/v1/configmaps?watch=1&resourceVersion=0&allowWatchBookmarks=true',
      (e) => e.some((x) => x.type === 'BOOKMARK'),
    );
    expect(fromZero[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'b' } } });
    const bm = fromZero.find((x) => x.type === 'BOOKMARK')!;
    expect(bm.object.metadata?.resourceVersion).toBe(s.resourceVersion());
    const t0 = Date.now();
    const ended = await watch(
      `/api/v1/configmaps?watch=1&resourceVersion=${s.resourceVersion()}&timeoutSeconds=1`,
      () => false,
      5000,
    );
    expect(ended).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('turns selector transitions into ADDED and DELETED on filtered watches', async () => {
    const s = await start();
    s.create('configmaps', { metadata: { name: 'x', namespace: 'ns', labels: { app: 'no' } } });
    const rv = s.resourceVersion();
    s.patch('configmaps', 'ns', 'x', { metadata: { labels: { app: 'yes' } } });
    s.patch('configmaps', 'ns', 'x', { metadata: { labels: { app: 'no' } } });
    const ev = await watch(
      `/api/v1/configmaps?watch=1&resourceVersion=${rv}&labelSelector=app%3Dyes`,
      (e) => e.length >= 2,
    );
    expect(ev.map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
  });

  it('streams WatchList initial events ending with the initial-events-end bookmark, unless told to omit it', async () => {
    const s = await start();
    s.create('configmaps', makeConfigMap({ namespace: 'ns', name: 'a' }));
    s.create('configmaps', makeConfigMap({ namespace: 'ns', name: 'b' }));
    const q =
      '/api/v1/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true';
    const ev = await watch(q, (e) => e.some((x) => x.type === 'BOOKMARK'));
    expect(ev.map((e) => e.type)).toEqual(['ADDED', 'ADDED', 'BOOKMARK']);
    expect(ev[2]!.object.metadata?.annotations?.['k8s.io/initial-events-end']).toBe('true');
    s.faults.omitInitialEventsEnd(true);
    const without = await watch(q, () => false, 300);
    expect(without.map((e) => e.type)).toEqual(['ADDED', 'ADDED']);
    expect(
      (await getJson<Status>('/api/v1/configmaps?watch=1&sendInitialEvents=true')).status,
    ).toBe(422);
  });

  it('sends an ERROR 410 event for a watch from a compacted revision, and 504 for a future one', async () => {
    const s = await start({ historySize: 3 });
    s.create('configmaps', makeConfigMap({ namespace: 'ns', name: 'a' }));
    const old = s.resourceVersion();
    for (let i = 0; i < 5; i++) s.patch('configmaps', 'ns', 'a', { data: { i: String(i) } });
    const ev = await watch(
      `/api/v1/configmaps?watch=1&resourceVersion=${old}`,
      (e) => e.length >= 1,
    );
    expect(ev[0]).toMatchObject({
      type: 'ERROR',
      object: { kind: 'Status', code: 410, reason: 'Expired' },
    });
    const future = await getJson<Status>('/api/v1/configmaps?watch=1&resourceVersion=99999');
    expect(future.status).toBe(504);
  });

  it('injects faults: canned 429 with Retry-After, raw lines, resets, short watches, hidden events, down/up', async () => {
    const s = await start();
    s.faults.nextResponses(1, { status: 429, retryAfterSeconds: 2 });
    const tooMany = await getJson<Status>('/api/v1/pods');
    expect(tooMany.status).toBe(429);
    expect(tooMany.headers.get('retry-after')).toBe('2');
    expect((await getJson<KubeList<KubeObject>>('/api/v1/pods')).status).toBe(200);
    const rv = s.resourceVersion();
    const raw = watch(`/api/v1/configmaps?watch=1&resourceVersion=${rv}`, () => false, 400).catch(
      () => [],
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(s.openWatches()).toBe(1);
    s.faults.hideEventsFromWatchers(true);
    s.create('configmaps', makeConfigMap({ namespace: 'ns', name: 'hidden' }));
    s.faults.hideEventsFromWatchers(false);
    s.faults.resetWatches();
    expect(await raw).toEqual([]);
    // The hidden event is still in history: a resumed watch sees it.
    const resumed = await watch(
      `/api/v1/configmaps?watch=1&resourceVersion=${rv}`,
      (e) => e.length >= 1,
    );
    expect(resumed[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'hidden' } } });
    s.faults.shortWatches(1);
    expect(
      await watch(
        `/api/v1/configmaps?watch=1&resourceVersion=${s.resourceVersion()}`,
        () => false,
        2000,
      ),
    ).toEqual([]);
    await s.faults.down();
    await expect(fetch(`${s.url}/api/v1/pods`)).rejects.toThrow();
    await s.faults.up();
    expect((await getJson<KubeList<KubeObject>>('/api/v1/pods')).status).toBe(200);
    expect(s.requests.count({ verb: 'list', resource: 'pods' })).toBe(3);
    expect(s.requests.count({ verb: 'watch' })).toBe(3);
  });

  it('serves discovery and registered CRDs, and metadata-only lists', async () => {
    const s = await start({
      resources: [
        {
          group: 'example.com',
          version: 'v1',
          resource: 'widgets',
          kind: 'Widget',
          namespaced: true,
        },
      ],
    });
    const groups = await getJson<{ groups: { name: string }[] }>('/apis');
    expect(groups.body.groups.map((g) => g.name)).toEqual([
      'apps',
      'coordination.k8s.io',
      'apiextensions.k8s.io',
      'events.k8s.io',
      'example.com',
    ]);
    const core = await getJson<{ resources: { name: string }[] }>('/api/v1');
    expect(core.body.resources.map((r) => r.name)).toEqual([
      'pods',
      'pods/status',
      'configmaps',
      'namespaces',
      'namespaces/status',
      'nodes',
      'nodes/status',
      'services',
      'services/status',
      'events',
    ]);
    const w = s.create('widgets.example.com', { metadata: { name: 'w1', namespace: 'ns' } });
    expect(w).toMatchObject({ apiVersion: 'example.com/v1', kind: 'Widget' });
    const list = await getJson<KubeList<KubeObject>>('/apis/example.com/v1/namespaces/ns/widgets');
    expect(names(list.body)).toEqual(['w1']);
    s.create('pods', makePod({ namespace: 'ns', name: 'p' }));
    const meta = await getJson<KubeList<KubeObject>>('/api/v1/pods', {
      headers: {
        Accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
      },
    });
    expect(meta.body.kind).toBe('PartialObjectMetadataList');
    expect(Object.keys(meta.body.items[0]!)).toEqual(['kind', 'apiVersion', 'metadata']);
  });

  it('works with @kubernetes/client-node over HTTPS with token auth, and rejects a missing token with 401', async () => {
    const s = await start({ tls: true, token: 'secret-token' });
    s.create('pods', makePod({ namespace: 'ns', name: 'tls-pod' }));
    const api = s.kubeConfig.makeApiClient(CoreV1Api);
    const pods = await api.listNamespacedPod({ namespace: 'ns' });
    expect(pods.items.map((p) => p.metadata?.name)).toEqual(['tls-pod']);
    const created = await api.createNamespacedConfigMap({
      namespace: 'ns',
      body: { metadata: { name: 'from-client' }, data: { a: 'b' } },
    });
    expect(created.metadata?.resourceVersion).toBeDefined();
    const plain = await startApiServer({ token: 'secret-token' });
    try {
      const denied = await fetch(`${plain.url}/api/v1/pods`);
      expect(denied.status).toBe(401);
      expect(await denied.json()).toMatchObject({
        kind: 'Status',
        reason: 'Unauthorized',
        code: 401,
      });
      const allowed = await fetch(`${plain.url}/api/v1/pods`, {
        headers: { Authorization: 'Bearer secret-token' },
      });
      expect(allowed.status).toBe(200);
      expect(plain.kubeConfigYaml()).toContain('token: secret-token');
    } finally {
      await plain.close();
    }
  });
});

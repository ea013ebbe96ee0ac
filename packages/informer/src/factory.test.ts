// The SharedInformerFactory over the in-process API server: namespaced factories and
// cluster-scoped resources (built-ins, CRDs via discovery, explicit scope), per-informer namespaces.
import { afterEach, describe, expect, it } from 'vitest';
import { defineResource, type KubeObject } from '@kubecache/core';
import { isIndexError, type IndexFunc } from '@kubecache/store';
import { startApiServer, type ApiServer, type ApiServerOptions } from '@kubecache/testing';
import {
  deploymentsResource,
  podsResource,
  servicesResource,
  type Pod,
} from './builtin-resources.js';
import { isInformerStoppedError } from './errors.js';
import { createSharedInformerFactory, type SharedInformerFactory } from './factory.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function api(o: ApiServerOptions = {}): Promise<ApiServer> {
  const s = await startApiServer(o);
  cleanups.push(() => s.close());
  return s;
}

function factoryOn(s: ApiServer, namespace: string): SharedInformerFactory {
  const f = createSharedInformerFactory(s.kubeConfig, {
    namespace,
    informer: { reflector: { backoff: { initialMs: 10, capMs: 40, jitter: 0 } } },
  });
  cleanups.push(() => f.shutdown());
  return f;
}

const synced = async (f: SharedInformerFactory): Promise<boolean[]> => {
  f.start();
  return [...(await f.waitForCacheSync(AbortSignal.timeout(5000))).values()];
};
const names = (objs: readonly { metadata?: { name?: string } }[]): string[] =>
  objs.map((o) => o.metadata?.name ?? '?').sort();
const paths = (s: ApiServer, resource: string): string[] => [
  ...new Set(s.requests.entries.filter((e) => e.resource === resource).map((e) => e.path)),
];

const widgets = (namespaced: boolean) => ({
  group: 'example.com',
  version: 'v1',
  resource: namespaced ? 'gadgets' : 'widgets',
  kind: namespaced ? 'Gadget' : 'Widget',
  namespaced,
});

describe('SharedInformerFactory with a namespace', () => {
  it('lists nodes and namespaces cluster-wide (client-go typed factory), pods in the namespace', async () => {
    const s = await api();
    s.create('nodes', { metadata: { name: 'n1' } });
    s.create('namespaces', { metadata: { name: 'team-a' } });
    s.create('pods', { metadata: { namespace: 'team-a', name: 'mine' } });
    s.create('pods', { metadata: { namespace: 'team-b', name: 'theirs' } });
    const f = factoryOn(s, 'team-a');
    const nodes = f.nodes();
    const namespaces = f.namespaces();
    const pods = f.pods();
    expect(await synced(f)).toEqual([true, true, true]);
    expect(names(nodes.getIndexer().list())).toEqual(['n1']);
    expect(names(namespaces.getIndexer().list())).toEqual(['team-a']);
    expect(names(pods.getIndexer().list())).toEqual(['mine']);
    expect(paths(s, 'nodes')).toEqual(['/api/v1/nodes']);
    expect(paths(s, 'namespaces')).toEqual(['/api/v1/namespaces']);
    expect(paths(s, 'pods')).toEqual(['/api/v1/namespaces/team-a/pods']);
  });

  it('syncs every built-in helper against the test server as it starts: pods, configMaps, services, nodes, namespaces, deployments', async () => {
    const s = await api();
    s.create(deploymentsResource, {
      metadata: { namespace: 'team-a', name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: {} },
    });
    s.create(servicesResource, { metadata: { namespace: 'team-a', name: 'web' } });
    const f = factoryOn(s, 'team-a');
    const deployments = f.deployments();
    const services = f.services();
    f.pods();
    f.configMaps();
    f.nodes();
    f.namespaces();
    expect(await synced(f)).toEqual([true, true, true, true, true, true]);
    expect(names(deployments.getIndexer().list())).toEqual(['web']);
    expect(names(services.getIndexer().list())).toEqual(['web']);
    expect(paths(s, 'deployments.apps')).toEqual(['/apis/apps/v1/namespaces/team-a/deployments']);
  });

  it('asks discovery for the scope of a custom resource: cluster-scoped lists cluster-wide, namespaced in the namespace', async () => {
    const s = await api({ resources: [widgets(false), widgets(true)] });
    s.create('widgets.example.com', { metadata: { name: 'w1' } });
    s.create('gadgets.example.com', { metadata: { namespace: 'team-a', name: 'g1' } });
    s.create('gadgets.example.com', { metadata: { namespace: 'team-b', name: 'g2' } });
    const f = factoryOn(s, 'team-a');
    const w = f.forResource({ group: 'example.com', version: 'v1', resource: 'widgets' });
    const g = f.forResource({ group: 'example.com', version: 'v1', resource: 'gadgets' });
    expect(await synced(f)).toEqual([true, true]);
    expect(names(w.getIndexer().list())).toEqual(['w1']);
    expect(names(g.getIndexer().list())).toEqual(['g1']);
    expect(paths(s, 'widgets.example.com')).toEqual(['/apis/example.com/v1/widgets']);
    expect(paths(s, 'gadgets.example.com')).toEqual([
      '/apis/example.com/v1/namespaces/team-a/gadgets',
    ]);
    // One discovery request per resource at most.
    const discovery = s.requests.entries.filter((e) => e.verb === 'discovery');
    expect(discovery.map((e) => e.path)).toEqual(['/apis/example.com/v1', '/apis/example.com/v1']);
  });

  it('takes an explicit namespaced: false without asking discovery', async () => {
    const s = await api({ resources: [widgets(false)] });
    s.create('widgets.example.com', { metadata: { name: 'w1' } });
    const f = factoryOn(s, 'team-a');
    const w = f.forResource(
      { group: 'example.com', version: 'v1', resource: 'widgets' },
      { namespaced: false },
    );
    expect(await synced(f)).toEqual([true]);
    expect(names(w.getIndexer().list())).toEqual(['w1']);
    expect(s.requests.entries.filter((e) => e.verb === 'discovery')).toHaveLength(0);
  });

  it('lets one informer override the namespace ("" = all namespaces), as a distinct informer', async () => {
    const s = await api();
    s.create('pods', { metadata: { namespace: 'team-a', name: 'a' } });
    s.create('pods', { metadata: { namespace: 'team-b', name: 'b' } });
    const f = factoryOn(s, 'team-a');
    const gvr = { group: '', version: 'v1', resource: 'pods' };
    const inA = f.pods();
    const inB = f.forResource(gvr, { namespace: 'team-b' });
    const all = f.forResource(gvr, { namespace: '' });
    expect(new Set([inA, inB, all]).size).toBe(3);
    expect(f.forResource(gvr, { namespace: 'team-b' })).toBe(inB);
    expect(await synced(f)).toEqual([true, true, true]);
    expect(names(inA.getIndexer().list())).toEqual(['a']);
    expect(names(inB.getIndexer().list())).toEqual(['b']);
    expect(names(all.getIndexer().list())).toEqual(['a', 'b']);
  });
});

const byNode: IndexFunc<Pod> = (p) => [p.spec?.nodeName ?? ''];
const podOn = (name: string, nodeName: string): Pod => ({
  metadata: { namespace: 'ns', name },
  spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] },
});

describe('SharedInformerFactory: one informer per resource, indexers added to it', () => {
  it('returns the pods() informer for forResource of the pods GVR with indexers, and indexes by them', async () => {
    const s = await api();
    s.create('pods', podOn('a', 'n1'));
    s.create('pods', podOn('b', 'n2'));
    const f = factoryOn(s, '');
    const pods = f.pods();
    const gvr = { group: '', version: 'v1', resource: 'pods' };
    expect(f.forResource(gvr, { indexers: { byNode } })).toBe(pods);
    expect(f.forResource(podsResource, { indexers: { byNode } })).toBe(pods);
    expect(Object.keys(pods.getIndexer().getIndexers()).sort()).toEqual(['byNode', 'namespace']);
    expect(await synced(f)).toEqual([true]);
    expect(names(pods.getIndexer().byIndex('byNode', 'n1'))).toEqual(['a']);
  });

  it('adds indexers after start (client-go 1.36), built from the cache', async () => {
    const s = await api();
    s.create('pods', podOn('a', 'n1'));
    const f = factoryOn(s, '');
    const pods = f.pods();
    expect(await synced(f)).toEqual([true]);
    expect(pods.isStarted()).toBe(true);
    expect(f.forResource(podsResource, { indexers: { byNode } })).toBe(pods);
    expect(names(pods.getIndexer().byIndex('byNode', 'n1'))).toEqual(['a']);
  });

  it('skips an indexer already there with the same function; another function under its name is an IndexError', async () => {
    const f = factoryOn(await api(), '');
    const pods = f.forResource(podsResource, { indexers: { byNode } });
    expect(f.forResource(podsResource, { indexers: { byNode } })).toBe(pods);
    let err: unknown;
    try {
      f.forResource(podsResource, { indexers: { byNode: (p) => [p.metadata?.name ?? ''] } });
    } catch (e) {
      err = e;
    }
    expect(isIndexError(err)).toBe(true);
    expect((err as Error).name).toBe('IndexError');
    expect(pods.getIndexer().getIndexers()['byNode']).toBe(byNode);
  });

  it('leaves no informer behind when a new one is asked for with a clashing indexer', async () => {
    const f = factoryOn(await api(), '');
    const other: IndexFunc<Pod> = () => [];
    expect(() => f.forResource(podsResource, { indexers: { namespace: other } })).toThrow(
      expect.objectContaining({ name: 'IndexError' }),
    );
    expect(Object.keys(f.pods().getIndexer().getIndexers())).toEqual(['namespace']);
  });

  it('refuses indexers once the informer stopped (InformerStoppedError)', async () => {
    const s = await api();
    const f = factoryOn(s, '');
    const pods = f.pods();
    expect(await synced(f)).toEqual([true]);
    await f.shutdown();
    expect(pods.isStopped()).toBe(true);
    let err: unknown;
    try {
      pods.addIndexers({ byNode });
    } catch (e) {
      err = e;
    }
    expect(isInformerStoppedError(err)).toBe(true);
    expect(() => pods.addEventHandler({})).toThrow(
      expect.objectContaining({ name: 'InformerStoppedError' }),
    );
  });

  it('takes kind and scope from a defineResource definition: a cluster-scoped CRD ignores the namespace without discovery', async () => {
    const s = await api({ resources: [widgets(false)] });
    interface Widget extends KubeObject {
      spec?: { size?: number };
    }
    const Widget = defineResource<Widget>({
      group: 'example.com',
      version: 'v1',
      kind: 'Widget',
      plural: 'widgets',
      namespaced: false,
    });
    s.create(Widget, { metadata: { name: 'w1' }, spec: { size: 2 } });
    const f = factoryOn(s, 'team-a');
    const w = f.forResource(Widget);
    // The scope learned from the definition applies to the plain GVR too: the same informer.
    expect(f.forResource({ group: 'example.com', version: 'v1', resource: 'widgets' })).toBe(w);
    expect(await synced(f)).toEqual([true]);
    expect(
      w
        .getIndexer()
        .list()
        .map((o) => o.spec?.size),
    ).toEqual([2]);
    expect(paths(s, 'widgets.example.com')).toEqual(['/apis/example.com/v1/widgets']);
    expect(s.requests.entries.filter((e) => e.verb === 'discovery')).toHaveLength(0);
  });
});

describe("SharedInformerFactory with a user's logger (pino)", () => {
  it('wraps it once for all informers: 20 handler failures on 20 keys are the first call with the Error, then one naming 5 keys and the count on shutdown', async () => {
    const s = await api();
    const calls: { fields: Record<string, unknown>; msg: string | undefined }[] = [];
    const at =
      (level: string) =>
      (obj: object | string, msg?: string): void => {
        if (level === 'error' && typeof obj !== 'string') {
          calls.push({ fields: obj as Record<string, unknown>, msg });
        }
      };
    const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
    const f = createSharedInformerFactory(s.kubeConfig, { namespace: 'team-a', logger });
    cleanups.push(() => f.shutdown());
    let failed = 0;
    const pods = f.forResource(podsResource);
    void pods.addEventHandler({
      onAdd: (pod) => {
        failed++;
        // A reconcile's first bug: reading a field of an object that is not there.
        void (pod.status as unknown as { phase: { length: number } }).phase.length;
      },
    });
    for (let i = 0; i < 20; i++) {
      s.create('pods', {
        metadata: { namespace: 'team-a', name: `p${String(i).padStart(2, '0')}` },
      });
    }
    f.start();
    const t0 = Date.now();
    while (failed < 20 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 5));
    await f.shutdown();
    const failures = calls.filter((c) => c.msg === 'event handler failed');
    expect(failures).toHaveLength(2);
    expect(failures[0]!.fields.err).toBeInstanceOf(TypeError); // pino prints its stack
    expect(failures[0]!.fields.key).toMatch(/^team-a\/p\d\d$/);
    expect(failures[1]!.fields).toMatchObject({
      component: 'informer',
      err: expect.stringMatching(/^Cannot read properties of undefined/) as unknown,
      repeated: 19,
      keyCount: 19,
    });
    expect(failures[1]!.fields.keys).toHaveLength(5);
    expect(failures[1]!.fields).not.toHaveProperty('key');
  });
});

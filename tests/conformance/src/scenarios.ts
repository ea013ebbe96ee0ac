// The conformance scenarios: each asserts on what the server returns and on what kubecache does
// with it. The same list runs against the in-process server (npm test) and a real cluster
// (npm run test:conformance).
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject, Status } from '@kubecache/core';
import { createSharedIndexInformer } from '@kubecache/informer';
import {
  createListWatch,
  isApiStatusError,
  isExpired,
  listAllPages,
  type WatchEvent,
  type WatchStream,
} from '@kubecache/listwatch';
import { Reflector } from '@kubecache/reflector';
import { createStore, isDeletedFinalStateUnknown } from '@kubecache/store';
import { defineLeaseScenarios } from './lease-scenarios.js';
import { defineCrdScenarios } from './crd-scenarios.js';
import { defineFieldManagerScenarios } from './field-manager-scenarios.js';
import { defineKubectlApiScenarios } from './kubectl-api-scenarios.js';
import { defineStrategyScenarios } from './strategy-scenarios.js';
import { conformancePod, type Target } from './target.js';

/** Result of one scenario on one target. */
export type Outcome = 'pass' | 'fail' | `skip: ${string}`;

class Skip extends Error {}

const resultsDir = fileURLToPath(new URL('../.results/', import.meta.url));

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function take(
  w: WatchStream,
  n: number,
  timeoutMs: number,
  stopAt?: (e: WatchEvent) => boolean,
): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  const timer = setTimeout(() => w.stop(), timeoutMs);
  try {
    for await (const e of w) {
      out.push(e);
      if (out.length >= n || stopAt?.(e)) break;
    }
  } finally {
    clearTimeout(timer);
    w.stop();
  }
  return out;
}

const nameOf = (o: unknown): string => (o as KubeObject).metadata?.name ?? '';

/** Registers every scenario for the target returned by `start`. */
export function defineConformance(label: string, start: () => Promise<Target>): void {
  const outcomes = new Map<string, Outcome>();
  let t: Target;

  const scenario = (name: string, fn: (t: Target) => Promise<void>, timeoutMs = 60_000): void => {
    it(
      name,
      async () => {
        try {
          await fn(t);
          outcomes.set(name, 'pass');
        } catch (err) {
          if (err instanceof Skip) {
            outcomes.set(name, `skip: ${err.message}`);
            console.log(`[conformance:${label}] ${name}: skipped — ${err.message}`);
            return;
          }
          outcomes.set(name, 'fail');
          throw err;
        }
      },
      timeoutMs,
    );
  };

  describe(`conformance against ${label}`, () => {
    beforeAll(async () => {
      t = await start();
    }, 60_000);

    afterAll(async () => {
      await t.close();
      mkdirSync(resultsDir, { recursive: true });
      writeFileSync(
        join(resultsDir, `${t.name}.json`),
        JSON.stringify(Object.fromEntries(outcomes), null, 2),
      );
      printReport();
    }, 60_000);

    const cms = (tt: Target) =>
      createListWatch(tt.kubeConfig, {
        group: '',
        version: 'v1',
        resource: 'configmaps',
        namespace: tt.namespace,
      });
    const pods = (tt: Target) =>
      createListWatch(tt.kubeConfig, {
        group: '',
        version: 'v1',
        resource: 'pods',
        namespace: tt.namespace,
        kind: 'Pod',
      });

    scenario(
      'list with limit + continue returns every object exactly once, with remainingItemCount',
      async (tt) => {
        for (let i = 0; i < 25; i++) {
          await tt.core.createNamespacedConfigMap({
            namespace: tt.namespace,
            body: {
              metadata: { name: `page-${String(i).padStart(2, '0')}`, labels: { set: 'paging' } },
              data: { i: String(i) },
            },
          });
        }
        const lw = cms(tt);
        const first = await lw.list({ limit: 10, labelSelector: 'set=paging' });
        expect(first.items).toHaveLength(10);
        expect(first.metadata?.continue).toBeTruthy();
        // The server may omit remainingItemCount for selector queries; without a selector it is there.
        const plain = await lw.list({ limit: 10 });
        if (plain.metadata?.remainingItemCount !== undefined)
          expect(plain.metadata.remainingItemCount).toBeGreaterThanOrEqual(15);
        else throw new Error('remainingItemCount missing on an unfiltered first page');
        const all = await listAllPages(lw, { labelSelector: 'set=paging' }, undefined, {
          pageSize: 10,
        });
        const names = all.items.map(nameOf);
        expect(names).toHaveLength(25);
        expect(new Set(names).size).toBe(25);
        expect(all.paginated).toBe(true);
      },
    );

    scenario('list with label and field (metadata.name) selectors', async (tt) => {
      await tt.core.createNamespacedConfigMap({
        namespace: tt.namespace,
        body: { metadata: { name: 'sel-a', labels: { tier: 'web' } } },
      });
      await tt.core.createNamespacedConfigMap({
        namespace: tt.namespace,
        body: { metadata: { name: 'sel-b', labels: { tier: 'db' } } },
      });
      const lw = cms(tt);
      expect((await lw.list({ labelSelector: 'tier=web' })).items.map(nameOf)).toEqual(['sel-a']);
      expect(
        (await lw.list({ labelSelector: 'tier in (web,db)' })).items.map(nameOf).sort(),
      ).toEqual(['sel-a', 'sel-b']);
      expect((await lw.list({ fieldSelector: 'metadata.name=sel-b' })).items.map(nameOf)).toEqual([
        'sel-b',
      ]);
    });

    scenario('watch from a list RV sees exactly the later changes, in order', async (tt) => {
      const lw = cms(tt);
      await tt.core.createNamespacedConfigMap({
        namespace: tt.namespace,
        body: { metadata: { name: 'w-before', labels: { set: 'w' } } },
      });
      const list = await lw.list({ labelSelector: 'set=w' });
      const w = await lw.watch({
        resourceVersion: list.metadata!.resourceVersion!,
        labelSelector: 'set=w',
      });
      await tt.core.createNamespacedConfigMap({
        namespace: tt.namespace,
        body: { metadata: { name: 'w-after', labels: { set: 'w' } } },
      });
      await tt.core.patchNamespacedConfigMap({
        namespace: tt.namespace,
        name: 'w-after',
        body: [{ op: 'add', path: '/data', value: { k: 'v' } }],
      });
      await tt.core.deleteNamespacedConfigMap({ namespace: tt.namespace, name: 'w-before' });
      const events = await take(w, 3, 15_000);
      expect(events.map((e) => `${e.type}:${nameOf(e.object)}`)).toEqual([
        'ADDED:w-after',
        'MODIFIED:w-after',
        'DELETED:w-before',
      ]);
    });

    scenario(
      'watch with RV "0" and unset starts with synthetic ADDED for existing objects',
      async (tt) => {
        await tt.core.createNamespacedConfigMap({
          namespace: tt.namespace,
          body: { metadata: { name: 'syn-1', labels: { set: 'syn' } } },
        });
        for (const rv of ['0', undefined]) {
          const w = await cms(tt).watch({
            ...(rv !== undefined ? { resourceVersion: rv } : {}),
            labelSelector: 'set=syn',
          });
          const events = await take(w, 1, 15_000);
          expect(events[0]).toMatchObject({
            type: 'ADDED',
            object: { metadata: { name: 'syn-1' } },
          });
        }
      },
    );

    scenario(
      'allowWatchBookmarks yields a BOOKMARK whose RV resumes a watch',
      async (tt) => {
        const lw = cms(tt);
        const list = await lw.list({});
        const w = await lw.watch({
          resourceVersion: list.metadata!.resourceVersion!,
          allowWatchBookmarks: true,
          timeoutSeconds: 25,
          labelSelector: 'set=bookmark',
        });
        const events = await take(w, 1000, 70_000, (e) => e.type === 'BOOKMARK');
        const bm = events.find((e) => e.type === 'BOOKMARK');
        expect(bm, 'a BOOKMARK within the watch timeout').toBeDefined();
        const rv = bm!.object.metadata!.resourceVersion!;
        const resumed = await lw.watch({ resourceVersion: rv, labelSelector: 'set=bookmark' });
        await tt.core.createNamespacedConfigMap({
          namespace: tt.namespace,
          body: { metadata: { name: 'after-bookmark', labels: { set: 'bookmark' } } },
        });
        const next = await take(resumed, 1, 15_000);
        expect(next[0]).toMatchObject({
          type: 'ADDED',
          object: { metadata: { name: 'after-bookmark' } },
        });
      },
      120_000,
    );

    scenario('a stale update gets 409 Conflict as a Status', async (tt) => {
      const cm = await tt.core.createNamespacedConfigMap({
        namespace: tt.namespace,
        body: { metadata: { name: 'conflict' }, data: { v: '1' } },
      });
      await tt.core.replaceNamespacedConfigMap({
        namespace: tt.namespace,
        name: 'conflict',
        body: { ...cm, data: { v: '2' } },
      });
      const res = await fetchStatus(tt, `/api/v1/namespaces/${tt.namespace}/configmaps/conflict`, {
        method: 'PUT',
        body: JSON.stringify({ ...cm, data: { v: '3' } }),
      });
      expect(res.code).toBe(409);
      expect(res.body).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
    });

    scenario('an unknown resource gets 404 as a Status', async (tt) => {
      const lw = createListWatch(tt.kubeConfig, {
        group: '',
        version: 'v1',
        resource: 'nosuchthings',
      });
      const err = await lw.list({}).catch((e: unknown) => e);
      expect(isApiStatusError(err) && err.code).toBe(404);
      const res = await fetchStatus(tt, '/api/v1/nosuchthings', { method: 'GET' });
      expect(res.body).toMatchObject({ kind: 'Status', code: 404 });
    });

    defineLeaseScenarios(scenario);
    defineStrategyScenarios(scenario);
    defineKubectlApiScenarios(scenario);
    defineFieldManagerScenarios(scenario);
    defineCrdScenarios(scenario);

    scenario('sendInitialEvents ends with the k8s.io/initial-events-end bookmark', async (tt) => {
      await tt.core.createNamespacedConfigMap({
        namespace: tt.namespace,
        body: { metadata: { name: 'wl-1', labels: { set: 'wl' } } },
      });
      let w: WatchStream;
      try {
        w = await cms(tt).watch({
          sendInitialEvents: true,
          resourceVersionMatch: 'NotOlderThan',
          allowWatchBookmarks: true,
          labelSelector: 'set=wl',
          resourceVersion: '',
        });
      } catch (err) {
        if (isApiStatusError(err) && (err.code === 422 || err.code === 400 || err.code === 403))
          throw new Skip(`server rejects sendInitialEvents (${err.code})`);
        throw err;
      }
      const events = await take(
        w,
        100,
        20_000,
        (e) =>
          e.type === 'BOOKMARK' &&
          e.object.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true',
      );
      const last = events.at(-1);
      if (last?.type !== 'BOOKMARK')
        throw new Skip('server does not send the initial-events-end bookmark (WatchList disabled)');
      expect(events.slice(0, -1).map((e) => `${e.type}:${nameOf(e.object)}`)).toEqual([
        'ADDED:wl-1',
      ]);
      expect(last.object.metadata?.annotations?.['k8s.io/initial-events-end']).toBe('true');
    });

    scenario('a watch from a resource version the server no longer has yields 410', async (tt) => {
      let oldRv = tt.oldResourceVersion;
      if (tt.compact) {
        const list = await cms(tt).list({});
        oldRv = list.metadata!.resourceVersion!;
        await tt.core.createNamespacedConfigMap({
          namespace: tt.namespace,
          body: { metadata: { name: 'after-compact' } },
        });
        tt.compact();
      }
      if (oldRv === undefined)
        throw new Skip(
          'cannot provoke compaction on a real cluster; set CONFORMANCE_OLD_RV to an expired resource version',
        );
      try {
        const w = await cms(tt).watch({ resourceVersion: oldRv });
        const events = await take(w, 1, 15_000);
        throw new Error(`expected 410, got events ${JSON.stringify(events.map((e) => e.type))}`);
      } catch (err) {
        expect(isExpired(err) || (isApiStatusError(err) && err.code === 410)).toBe(true);
      }
    });

    scenario(
      'the Reflector keeps a store equal to a fresh LIST while 500 pods churn',
      async (tt) => {
        const seconds = Number(
          process.env.CONFORMANCE_CHURN_SECONDS ?? (tt.name === 'cluster' ? '30' : '10'),
        );
        const store = createStore();
        const ac = new AbortController();
        const reflector = new Reflector(pods(tt), store, {
          backoff: { initialMs: 100, capMs: 2000 },
        });
        const running = reflector.run(ac.signal);
        const alive: string[] = [];
        let created = 0;
        try {
          for (; created < 500; created++) {
            await tt.core.createNamespacedPod({
              namespace: tt.namespace,
              body: conformancePod(`churn-${created}`, { set: 'churn' }),
            });
            alive.push(`churn-${created}`);
          }
          const end = Date.now() + seconds * 1000;
          let i = 0;
          while (Date.now() < end) {
            // About 100 changes per second: @kubernetes/client-node 2.0 opens a connection per request.
            await new Promise((res) => setTimeout(res, 10));
            const r = i++ % 3;
            if (r === 0 && alive.length > 0) {
              const victim = alive.splice((i * 7919) % alive.length, 1)[0]!;
              await tt.core.deleteNamespacedPod({
                namespace: tt.namespace,
                name: victim,
                gracePeriodSeconds: 0,
              });
            } else if (r === 1 || alive.length === 0) {
              const name = `churn-${created++}`;
              await tt.core.createNamespacedPod({
                namespace: tt.namespace,
                body: conformancePod(name, { set: 'churn' }),
              });
              alive.push(name);
            } else {
              const name = alive[(i * 104729) % alive.length]!;
              await tt.core.patchNamespacedPod({
                namespace: tt.namespace,
                name,
                body: [{ op: 'add', path: '/metadata/annotations', value: { tick: String(i) } }],
              });
            }
          }
          const fresh = async (): Promise<Map<string, string>> => {
            const l = await pods(tt).list({});
            return new Map(
              l.items.map((p) => [
                `${p.metadata!.namespace!}/${p.metadata!.name!}`,
                p.metadata!.resourceVersion!,
              ]),
            );
          };
          let want = await fresh();
          const equal = (): boolean =>
            store.listKeys().length === want.size &&
            [...want].every(([k, rv]) => store.getByKey(k)?.metadata?.resourceVersion === rv);
          const t0 = Date.now();
          while (!equal()) {
            if (Date.now() - t0 > 30_000)
              throw new Error(
                `store (${store.listKeys().length}) never matched a fresh LIST (${want.size})`,
              );
            await new Promise((r) => setTimeout(r, 200));
            want = await fresh();
          }
        } finally {
          ac.abort();
          await running;
        }
      },
      240_000,
    );

    scenario(
      'SharedIndexInformer handlers see one delete per deleted pod and onUpdate(old, new) pairs',
      async (tt) => {
        const informer = createSharedIndexInformer(
          createListWatch(tt.kubeConfig, {
            group: '',
            version: 'v1',
            resource: 'pods',
            namespace: tt.namespace,
            labelSelector: 'set=inf',
          }),
        );
        const deletes = new Map<string, number>();
        const updates: string[] = [];
        informer.addEventHandler({
          onUpdate: (o, n) =>
            void updates.push(
              `${nameOf(n)} ${o.metadata?.annotations?.step ?? '-'}→${n.metadata?.annotations?.step ?? '-'}`,
            ),
          onDelete: (o) => {
            const name = isDeletedFinalStateUnknown(o) ? o.key.split('/')[1]! : nameOf(o);
            deletes.set(name, (deletes.get(name) ?? 0) + 1);
          },
        });
        const ac = new AbortController();
        const running = informer.run(ac.signal);
        try {
          for (let i = 0; i < 10; i++)
            await tt.core.createNamespacedPod({
              namespace: tt.namespace,
              body: conformancePod(`inf-${i}`, { set: 'inf' }),
            });
          await until(
            () => informer.hasSynced() && informer.getStore().listKeys().length === 10,
            30_000,
            'informer sync',
          );
          await tt.core.patchNamespacedPod({
            namespace: tt.namespace,
            name: 'inf-0',
            body: [{ op: 'add', path: '/metadata/annotations', value: { step: 'one' } }],
          });
          await tt.core.patchNamespacedPod({
            namespace: tt.namespace,
            name: 'inf-0',
            body: [{ op: 'add', path: '/metadata/annotations', value: { step: 'two' } }],
          });
          for (let i = 0; i < 10; i += 2)
            await tt.core.deleteNamespacedPod({
              namespace: tt.namespace,
              name: `inf-${i}`,
              gracePeriodSeconds: 0,
            });
          await until(() => deletes.size === 5, 30_000, 'five deletes');
          await new Promise((r) => setTimeout(r, 500));
          expect([...deletes.values()]).toEqual([1, 1, 1, 1, 1]);
          expect(updates.filter((u) => u.startsWith('inf-0 ') && !u.endsWith('→-'))).toEqual(
            expect.arrayContaining(['inf-0 -→one', 'inf-0 one→two']),
          );
        } finally {
          ac.abort();
          await running;
        }
      },
      120_000,
    );
  });
}

async function fetchStatus(
  tt: Target,
  path: string,
  init: { method: string; body?: string },
): Promise<{ code: number; body: Status }> {
  const { request } = await import('node:https');
  const http = await import('node:http');
  type RequestOptions = Parameters<typeof request>[1];
  const cluster = tt.kubeConfig.getCurrentCluster()!;
  const url = new URL(cluster.server + path);
  const opts: RequestOptions = {
    method: init.method,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
  };
  await tt.kubeConfig.applyToHTTPSOptions(opts);
  const mod = url.protocol === 'https:' ? { request } : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, opts, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: JSON.parse(text) as Status }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Prints scenario × target from the saved results of both targets. */
export function printReport(): void {
  const read = (n: string): Record<string, Outcome> => {
    const p = join(resultsDir, `${n}.json`);
    return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Record<string, Outcome>) : {};
  };
  const a = read('in-process');
  const b = read('cluster');
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const lines = [
    '',
    'Conformance report (scenario | in-process | cluster)',
    ...names.map((n) => `- ${n} | ${a[n] ?? 'not run'} | ${b[n] ?? 'not run'}`),
  ];
  const differ = names.filter(
    (n) => a[n] !== undefined && b[n] !== undefined && (a[n] === 'pass') !== (b[n] === 'pass'),
  );
  if (differ.length)
    lines.push(
      `Targets differ on: ${differ.join('; ')} — a bug in the in-process server or a documented difference.`,
    );
  console.log(lines.join('\n'));
}

// Sharded controllers with the real sharder (@kubecache/sharding's runSharder, elected among the
// shards), over real HTTP: three controllers in one process share unlabelled Widgets and the
// ConfigMaps their reconciles create (owned objects follow their owner); a fourth joins (drains
// move about a quarter of the objects) and one leaves cleanly (its objects move directly). At no
// time do two shards reconcile one Widget at once, and every Widget is reconciled by the shard
// it ends on.
import {
  defineResource,
  MemoryMetricsProvider,
  silentLogger,
  type KubeObject,
} from '@kubecache/core';
import {
  configMapsResource,
  createSharedInformerFactory,
  type SharedInformerFactory,
} from '@kubecache/informer';
import { drainLabel, shardLabel, shardSelector } from '@kubecache/sharding';
import { startApiServer, type ApiServer } from '@kubecache/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createController, type Controller } from './controller.js';
import { isAlreadyExistsError } from './errors.js';
import { newControllerRef } from './owner.js';
import { shardMetricNames } from './shard-gate.js';
import { delay, eventually, WIDGETS, type Widget } from './test-support/harness.js';

const Widgets = defineResource<Widget>({
  group: 'example.com',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  namespaced: true,
});
const ring = 'widgets';
const SHARD = shardLabel(ring);
const DRAIN = drainLabel(ring);
const count = 60;

let server: ApiServer;
const cleanups: (() => Promise<unknown>)[] = [];

beforeEach(async () => {
  server = await startApiServer();
  server.registerResource({
    group: 'example.com',
    version: 'v1',
    resource: 'widgets',
    kind: 'Widget',
    namespaced: true,
  });
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await server.close();
});

interface Shard {
  id: string;
  controller: Controller;
  factory: SharedInformerFactory;
  metrics: MemoryMetricsProvider;
  stop(): Promise<unknown>;
}

const running = new Map<string, string>();
const overlaps: string[] = [];
/** Per shard, the Widgets it reconciled. */
const reconciled = new Map<string, Set<string>>();

function startShard(id: string): Shard {
  const factory = createSharedInformerFactory(server.kubeConfig, {
    logger: silentLogger,
    labelSelector: shardSelector(ring, id),
  });
  const widgets = factory.forResource(Widgets);
  const configMaps = factory.forResource(configMapsResource);
  const metrics = new MemoryMetricsProvider();
  const controller = createController({
    name: 'widgets',
    for: { informer: widgets, resource: Widgets },
    owns: [configMaps],
    kubeConfig: server.kubeConfig,
    logger: silentLogger,
    metricsProvider: metrics,
    concurrency: 4,
    sharding: {
      ring,
      shardId: id,
      namespace: 'default',
      owns: [configMapsResource],
      leaseDurationMs: 3000,
      renewDeadlineMs: 2000,
      retryPeriodMs: 500,
      sharder: {
        leaderElection: { leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 300 },
        resyncIntervalMs: 300,
      },
    },
    reconcile: async (request, { client, signal }) => {
      const key = `${request.namespace}/${request.name}`;
      const other = running.get(key);
      if (other !== undefined) overlaps.push(`${key}: ${other} and ${id}`);
      running.set(key, id);
      try {
        const w = widgets.getStore().getByKey(key);
        if (w === undefined) return;
        const seen = reconciled.get(id) ?? new Set<string>();
        seen.add(key);
        reconciled.set(id, seen);
        if (configMaps.getStore().getByKey(key) === undefined) {
          const child = {
            apiVersion: 'v1' as const,
            kind: 'ConfigMap' as const,
            metadata: {
              name: request.name,
              namespace: request.namespace,
              ownerReferences: [newControllerRef(w, Widgets)],
            },
          };
          try {
            await client.create(configMapsResource, child, { signal });
          } catch (err) {
            if (!isAlreadyExistsError(err)) throw err; // created, not yet labelled for us
          }
        }
        await delay(1);
      } finally {
        if (running.get(key) === id) running.delete(key);
      }
    },
  });
  const ac = new AbortController();
  const done = controller.run(ac.signal);
  done.catch(() => undefined);
  let stopped: Promise<unknown> | undefined;
  const stop = (): Promise<unknown> =>
    (stopped ??= (async () => {
      ac.abort();
      const r = await done.catch((err: unknown) => err);
      await factory.shutdown();
      return r;
    })());
  cleanups.push(stop);
  return { id, controller, factory, metrics, stop };
}

const widgetsNow = (): Widget[] => server.list(WIDGETS).items;
const labelOf = (o: KubeObject): string | undefined => o.metadata?.labels?.[SHARD];

/**
 * Every Widget and ConfigMap labelled for a live shard, none draining, each Widget reconciled by
 * its shard, and every live shard holding some.
 */
async function converged(live: readonly Shard[]): Promise<Map<string, string>> {
  const ids = new Set(live.map((s) => s.id));
  await eventually(() => {
    const ws = widgetsNow();
    expect(ws).toHaveLength(count);
    for (const w of ws) {
      const shard = labelOf(w);
      const key = `default/${w.metadata?.name ?? ''}`;
      expect(shard !== undefined && ids.has(shard), `${key} on ${String(shard)}`).toBe(true);
      expect(w.metadata?.labels?.[DRAIN]).toBeUndefined();
      expect(reconciled.get(shard ?? '')?.has(key), `${key} reconciled by ${String(shard)}`).toBe(
        true,
      );
      const cm = server.get('configmaps', 'default', w.metadata?.name ?? '');
      expect(cm === undefined ? undefined : labelOf(cm)).toBe(shard);
    }
    // Every live shard is in the ring (holds some of the 60).
    for (const id of ids)
      expect(
        ws.some((w) => labelOf(w) === id),
        `${id} holds none`,
      ).toBe(true);
  }, 30_000);
  return new Map(widgetsNow().map((w) => [w.metadata?.name ?? '', labelOf(w) ?? '']));
}

const moved = (before: Map<string, string>, after: Map<string, string>): number =>
  [...after].filter(([name, shard]) => before.get(name) !== shard).length;

describe('sharded controllers with the sharder', () => {
  it('share the objects, move about 1/N on a join and a leave, and never reconcile one object twice at once', async () => {
    running.clear();
    overlaps.length = 0;
    reconciled.clear();
    for (let i = 0; i < count; i++) {
      const w: Widget = {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: `w${String(i)}`, namespace: 'default' },
        spec: { size: 1 },
      };
      server.create(WIDGETS, w);
    }
    const shards = ['a', 'b', 'c'].map(startShard);
    const first = await converged(shards);
    for (const s of shards) {
      const cached = s.factory.forResource(Widgets).getStore().listKeys().length;
      // Each shard caches only its own (100 virtual nodes: a share far from 0 and from all).
      expect(cached).toBe([...first.values()].filter((v) => v === s.id).length);
      expect(cached).toBeGreaterThan(0);
      expect(cached).toBeLessThan(count * 0.6);
    }

    const d = startShard('d');
    const all = [...shards, d];
    const second = await converged(all);
    const join = moved(first, second);
    // Only objects the new shard takes move, all of them by a drain.
    for (const [name, shard] of second) if (first.get(name) !== shard) expect(shard).toBe('d');
    expect(join).toBeGreaterThan(0);
    expect(join).toBeLessThan(count * 0.5);
    const drains = shards
      .map((s) =>
        s.metrics.value(shardMetricNames.drainsAcknowledged, {
          controller: 'widgets',
          ring,
          shard: s.id,
        }),
      )
      .reduce<number>((a, b) => a + (b ?? 0), 0);
    expect(drains).toBe(join);

    await shards[0]?.stop();
    const third = await converged(all.slice(1));
    for (const [name, shard] of first) {
      if (shard !== 'a' && second.get(name) === third.get(name)) continue;
      if (second.get(name) === 'a') expect(third.get(name)).not.toBe('a');
    }
    const leave = moved(second, third);
    expect(leave).toBe([...second.values()].filter((v) => v === 'a').length);
    expect(overlaps).toEqual([]);
  }, 90_000);

  it("the sharder's election takes the shard Lease's timings when it is given none", async () => {
    const factory = createSharedInformerFactory(server.kubeConfig, {
      logger: silentLogger,
      labelSelector: shardSelector(ring, 'solo'),
    });
    const controller = createController({
      name: 'widgets',
      for: { informer: factory.forResource(Widgets), resource: Widgets },
      kubeConfig: server.kubeConfig,
      logger: silentLogger,
      sharding: {
        ring,
        shardId: 'solo',
        namespace: 'default',
        leaseDurationMs: 3000,
        renewDeadlineMs: 2000,
        retryPeriodMs: 500,
      },
      reconcile: () => undefined,
    });
    const ac = new AbortController();
    const done = controller.run(ac.signal).catch((err: unknown) => err);
    cleanups.push(async () => {
      ac.abort();
      await done;
      await factory.shutdown();
    });
    await eventually(() => {
      const lease = server.get('leases.coordination.k8s.io', 'default', `${ring}-sharder`) as
        { spec?: { leaseDurationSeconds?: number; holderIdentity?: string } } | undefined;
      expect(lease?.spec).toMatchObject({ leaseDurationSeconds: 3, holderIdentity: 'solo' });
    }, 10_000);
  });
});

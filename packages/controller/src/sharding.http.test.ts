// Sharded controllers over real HTTP (the in-process API server): several controllers in one
// process, each with its own informers restricted by its shard's label selector, its own shard
// Lease and its own workers. The test plays the sharder by hand (sharder: false) so that every
// step of the hand-over is under its control; sharding.sharder.http.test.ts runs the real one.
import { defineResource, MemoryMetricsProvider, silentLogger } from '@kubecache/core';
import { createSharedInformerFactory, type SharedInformerFactory } from '@kubecache/informer';
import { drainLabel, shardLabel, shardSelector } from '@kubecache/sharding';
import { startApiServer, type ApiServer } from '@kubecache/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createController, type Controller, type ControllerRunResult } from './controller.js';
import { isControllerFailedError, isControllerOptionsError } from './errors.js';
import { shardMetricNames } from './shard-gate.js';
import type { ControllerSharding } from './sharding.js';
import type { ReconcileRequest } from './request.js';
import type { ReconcileContext } from './workers.js';
import { delay, eventually, WIDGETS, type Widget } from './test-support/harness.js';

const Widgets = defineResource<Widget>({
  group: 'example.com',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  namespaced: true,
});
const LEASES = 'leases.coordination.k8s.io';
const ring = 'widgets';
const SHARD = shardLabel(ring);
const DRAIN = drainLabel(ring);

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

/** Reconciles of every shard: which shard runs which key now, and every overlap seen. */
class Ledger {
  readonly running = new Map<string, string>();
  readonly byShard = new Map<string, Map<string, number>>();
  readonly overlaps: string[] = [];
  start(shard: string, key: string): void {
    const other = this.running.get(key);
    if (other !== undefined) this.overlaps.push(`${key}: ${other} and ${shard}`);
    this.running.set(key, shard);
    const counts = this.byShard.get(shard) ?? new Map<string, number>();
    counts.set(key, (counts.get(key) ?? 0) + 1);
    this.byShard.set(shard, counts);
  }
  end(shard: string, key: string): void {
    if (this.running.get(key) === shard) this.running.delete(key);
  }
  keys(shard: string): string[] {
    return [...(this.byShard.get(shard)?.keys() ?? [])].sort();
  }
}

interface Shard {
  id: string;
  controller: Controller;
  factory: SharedInformerFactory;
  metrics: MemoryMetricsProvider;
  done: Promise<ControllerRunResult>;
  stop(): Promise<unknown>;
}

function startShard(
  id: string,
  ledger: Ledger,
  options: {
    reconcile?: (request: ReconcileRequest, context: ReconcileContext) => Promise<void>;
    sharding?: Partial<ControllerSharding>;
  } = {},
): Shard {
  const factory = createSharedInformerFactory(server.kubeConfig, {
    logger: silentLogger,
    labelSelector: shardSelector(ring, id),
  });
  const metrics = new MemoryMetricsProvider();
  const controller = createController({
    name: 'widgets',
    for: { informer: factory.forResource(Widgets), resource: Widgets },
    kubeConfig: server.kubeConfig,
    readYourWrites: false,
    logger: silentLogger,
    metricsProvider: metrics,
    concurrency: 4,
    sharding: {
      ring,
      shardId: id,
      namespace: 'default',
      sharder: false,
      leaseDurationMs: 3000,
      renewDeadlineMs: 2000,
      retryPeriodMs: 500,
      ...options.sharding,
    },
    reconcile: async (request, context) => {
      const key = `${request.namespace}/${request.name}`;
      ledger.start(id, key);
      try {
        await options.reconcile?.(request, context);
        await delay(2);
      } finally {
        ledger.end(id, key);
      }
    },
  });
  const ac = new AbortController();
  const done = controller.run(ac.signal);
  done.catch(() => undefined);
  const stop = async (): Promise<unknown> => {
    ac.abort();
    const r = await done.catch((err: unknown) => err);
    await factory.shutdown();
    return r;
  };
  cleanups.push(stop);
  return { id, controller, factory, metrics, done, stop };
}

function widgetFor(name: string, shard: string | undefined): Widget {
  return {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: {
      name,
      namespace: 'default',
      ...(shard !== undefined ? { labels: { [SHARD]: shard } } : {}),
    },
    spec: { size: 1 },
  };
}

const labelsOf = (name: string): Record<string, string> =>
  (server.get(WIDGETS, 'default', name) as Widget).metadata?.labels ?? {};

describe('sharded controller (sharding option)', () => {
  it('refuses sharding with leaderElection, without kubeConfig, or with an inline primary', () => {
    const factory = createSharedInformerFactory(server.kubeConfig, { logger: silentLogger });
    const informer = factory.forResource(Widgets);
    const sharding = { ring, shardId: 'a', namespace: 'default' };
    const base = { name: 'w', reconcile: () => undefined, sharding };
    const attempts = [
      () =>
        createController({
          ...base,
          for: { informer, resource: Widgets },
          kubeConfig: server.kubeConfig,
          leaderElection: {} as never,
        }),
      () => createController({ ...base, for: { informer, resource: Widgets } }),
      () =>
        createController({
          ...base,
          for: { informer, apiVersion: 'example.com/v1', kind: 'Widget' },
          kubeConfig: server.kubeConfig,
        }),
      () =>
        createController({
          ...base,
          for: { informer, resource: Widgets },
          kubeConfig: server.kubeConfig,
          sharding: { ...sharding, shardId: 'Not_A_Label' },
        }),
    ];
    for (const attempt of attempts) {
      let err: unknown;
      try {
        attempt();
      } catch (e) {
        err = e;
      }
      expect(isControllerOptionsError(err)).toBe(true);
      expect((err as { option: string }).option).toBe('sharding');
    }
  });

  it('two shards reconcile only their own objects, each caching only its half, never one object at once', async () => {
    const ledger = new Ledger();
    for (let i = 0; i < 20; i++) {
      server.create(WIDGETS, widgetFor(`w${String(i)}`, i % 2 === 0 ? 'a' : 'b'));
    }
    const a = startShard('a', ledger);
    const b = startShard('b', ledger);
    const even = Array.from({ length: 10 }, (_, i) => `default/w${String(2 * i)}`).sort();
    const odd = Array.from({ length: 10 }, (_, i) => `default/w${String(2 * i + 1)}`).sort();
    await eventually(() => {
      expect(ledger.keys('a')).toEqual(even);
      expect(ledger.keys('b')).toEqual(odd);
    });
    expect(a.factory.forResource(Widgets).getStore().listKeys().sort()).toEqual(even);
    expect(b.factory.forResource(Widgets).getStore().listKeys().sort()).toEqual(odd);
    const labels = { controller: 'widgets', ring, shard: 'a' };
    expect(a.metrics.value(shardMetricNames.assignedObjects, labels)).toBe(10);
    // Each holds its Lease, labelled with the ring.
    for (const id of ['a', 'b']) {
      const lease = server.get(LEASES, 'default', id) as {
        metadata?: { labels?: Record<string, string> };
        spec?: { holderIdentity?: string };
      };
      expect(lease.spec?.holderIdentity).toBe(id);
      expect(lease.metadata?.labels?.['sharding.kubecache.io/ring']).toBe(ring);
    }
    // A new object is the shard's once labelled for it (the sharder's write).
    server.create(WIDGETS, widgetFor('late', undefined));
    await delay(300);
    expect(ledger.keys('a')).not.toContain('default/late');
    expect(ledger.keys('b')).not.toContain('default/late');
    server.patch(WIDGETS, 'default', 'late', { metadata: { labels: { [SHARD]: 'b' } } });
    await eventually(() => expect(ledger.keys('b')).toContain('default/late'));
    expect(ledger.overlaps).toEqual([]);
    // A clean stop deletes the shard's Lease once its workers stopped.
    await a.stop();
    expect(server.get(LEASES, 'default', 'a')).toBeUndefined();
  });

  it('drain: refused at once, acknowledged after the reconcile in flight, then reconciled by the new shard only', async () => {
    const ledger = new Ledger();
    server.create(WIDGETS, widgetFor('moving', 'a'));
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    let entered = false;
    const a = startShard('a', ledger, {
      reconcile: async (request) => {
        if (request.name === 'moving' && !entered) {
          entered = true;
          await held; // a long reconcile in flight when the drain comes
        }
      },
    });
    startShard('b', ledger);
    await eventually(() => expect(entered).toBe(true));
    server.patch(WIDGETS, 'default', 'moving', { metadata: { labels: { [DRAIN]: 'true' } } });
    // A fresh event for the object while it drains: not reconciled again by a.
    a.controller.enqueue({ namespace: 'default', name: 'moving' });
    await delay(500);
    expect(labelsOf('moving')).toEqual({ [SHARD]: 'a', [DRAIN]: 'true' });
    const reconcilesBefore = ledger.byShard.get('a')?.get('default/moving');
    release();
    await eventually(() => expect(labelsOf('moving')).toEqual({}));
    expect(ledger.byShard.get('a')?.get('default/moving')).toBe(reconcilesBefore);
    const labels = { controller: 'widgets', ring, shard: 'a' };
    // The patch's answer reaches the shard a moment after the server applied it.
    await eventually(() =>
      expect(a.metrics.value(shardMetricNames.drainsAcknowledged, labels)).toBe(1),
    );
    expect(a.metrics.histogramValue(shardMetricNames.drainDuration, labels).count).toBe(1);
    // The sharder assigns the new shard.
    server.patch(WIDGETS, 'default', 'moving', { metadata: { labels: { [SHARD]: 'b' } } });
    await eventually(() => expect(ledger.keys('b')).toContain('default/moving'));
    a.controller.enqueue({ namespace: 'default', name: 'moving' });
    await delay(200);
    expect(ledger.byShard.get('a')?.get('default/moving')).toBe(reconcilesBefore);
    expect(ledger.overlaps).toEqual([]);
  });

  it('an object relabelled away leaves the shard (informer delete) and is not reconciled there again', async () => {
    const ledger = new Ledger();
    server.create(WIDGETS, widgetFor('w', 'a'));
    const a = startShard('a', ledger);
    await eventually(() => expect(ledger.keys('a')).toEqual(['default/w']));
    const before = ledger.byShard.get('a')?.get('default/w');
    server.patch(WIDGETS, 'default', 'w', { metadata: { labels: { [SHARD]: 'c' } } });
    await eventually(() =>
      expect(a.factory.forResource(Widgets).getStore().listKeys()).toEqual([]),
    );
    a.controller.enqueue({ namespace: 'default', name: 'w' });
    await delay(200);
    expect(ledger.byShard.get('a')?.get('default/w')).toBe(before);
  });

  it('a lost shard Lease stops the workers (the reconcile in flight is aborted) and run rejects with ControllerFailedError', async () => {
    const ledger = new Ledger();
    server.create(WIDGETS, widgetFor('w', 'a'));
    let aborted = false;
    let entered = false;
    const a = startShard('a', ledger, {
      reconcile: async (_request, { signal }) => {
        entered = true;
        await new Promise<void>((resolve) => {
          signal.addEventListener(
            'abort',
            () => {
              aborted = true;
              resolve();
            },
            { once: true },
          );
        });
      },
    });
    await eventually(() => expect(entered).toBe(true));
    // The Lease disappears under the running shard (as if the sharder had declared it dead).
    server.delete(LEASES, 'default', 'a');
    const err = await a.done.catch((e: unknown) => e);
    expect(isControllerFailedError(err)).toBe(true);
    expect((err as { reason: string }).reason).toBe('sharding');
    expect((err as Error).message).toContain('lost the shard Lease');
    expect(aborted).toBe(true);
    expect(ledger.running.size).toBe(0);
    expect(a.controller.healthCheck().check()).toMatchObject({ ok: false });
  });
});

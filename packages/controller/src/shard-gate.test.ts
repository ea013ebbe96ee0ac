// The shard gate over real HTTP (the in-process API server): admission by the assignment label,
// and the drain hand-over — refused at once, acknowledged only after the reconcile in flight
// returned, by a JSON patch that tests the label's value.
import { defineResource, MemoryMetricsProvider, realClock, silentLogger } from '@kubecache/core';
import { createSharedInformerFactory, type SharedInformerFactory } from '@kubecache/informer';
import { startApiServer, type ApiServer } from '@kubecache/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from './client.js';
import {
  clientAcknowledge,
  drainAcknowledgementOps,
  pointerSegment,
  shardMetricNames,
  ShardGate,
  type DrainAcknowledgement,
} from './shard-gate.js';
import { delay, eventually, WIDGETS, type Widget } from './test-support/harness.js';

const widgets = defineResource<Widget>({
  group: 'example.com',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  namespaced: true,
});
const SHARD = 'shard.kubecache.io/r';
const DRAIN = 'drain.kubecache.io/r';

let server: ApiServer;
let factory: SharedInformerFactory | undefined;
let gate: ShardGate | undefined;
const stop = new AbortController();

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
  await gate?.close();
  gate = undefined;
  await factory?.shutdown();
  factory = undefined;
  await server.close();
});

function labelled(name: string, labels: Record<string, string>): Widget {
  return {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name, namespace: 'default', labels },
  };
}

async function startGate(
  acknowledge?: (key: string, signal: AbortSignal) => Promise<DrainAcknowledgement>,
  metricsProvider?: MemoryMetricsProvider,
): Promise<ShardGate> {
  const f = createSharedInformerFactory(server.kubeConfig, {
    logger: silentLogger,
    labelSelector: `${SHARD}=a`,
  });
  factory = f;
  const primary = f.forResource(widgets);
  const client = createClient(server.kubeConfig);
  gate = new ShardGate({
    controller: 'c',
    ring: 'r',
    shardId: 'a',
    shardLabel: SHARD,
    drainLabel: DRAIN,
    primary,
    acknowledge:
      acknowledge ??
      clientAcknowledge({
        client,
        resource: widgets,
        shardLabel: SHARD,
        drainLabel: DRAIN,
        shardId: 'a',
      }),
    logger: process.env.DEBUG_GATE ? console : silentLogger,
    clock: realClock,
    metricsProvider,
  });
  gate.register();
  f.start(stop.signal);
  await f.waitForCacheSync(AbortSignal.timeout(5000));
  return gate;
}

describe('drainAcknowledgementOps', () => {
  it('tests the shard label, then removes both (label keys escaped as JSON Pointer segments)', () => {
    expect(pointerSegment('a~b/c')).toBe('a~0b~1c');
    expect(drainAcknowledgementOps(SHARD, DRAIN, 'a')).toEqual([
      { op: 'test', path: '/metadata/labels/shard.kubecache.io~1r', value: 'a' },
      { op: 'remove', path: '/metadata/labels/shard.kubecache.io~1r' },
      { op: 'remove', path: '/metadata/labels/drain.kubecache.io~1r' },
    ]);
  });
});

describe('ShardGate', () => {
  it("admits only this shard's undrained objects, and counts them on scrape", async () => {
    const metrics = new MemoryMetricsProvider();
    server.create(WIDGETS, labelled('mine', { [SHARD]: 'a' }));
    server.create(WIDGETS, labelled('other', { [SHARD]: 'b' }));
    server.create(WIDGETS, labelled('draining', { [SHARD]: 'a', [DRAIN]: 'true' }));
    const g = await startGate(
      (_key, signal) =>
        new Promise<never>((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason as Error)),
        ),
      metrics,
    );
    const ticket = g.admit('default/mine');
    expect(ticket).toBeDefined();
    ticket?.done();
    expect(g.admit('default/other')).toBeUndefined(); // not in this shard's cache
    expect(g.admit('default/draining')).toBeUndefined();
    expect(g.admit('default/missing')).toBeUndefined();
    expect(
      metrics.value(shardMetricNames.assignedObjects, { controller: 'c', ring: 'r', shard: 'a' }),
    ).toBe(2);
  });

  it('acknowledges a drain only after the reconcile in flight returned, removing both labels', async () => {
    const metrics = new MemoryMetricsProvider();
    server.create(WIDGETS, labelled('w', { [SHARD]: 'a', keep: 'x' }));
    const g = await startGate(undefined, metrics);
    const inFlight = g.admit('default/w');
    expect(inFlight).toBeDefined();
    server.patch(WIDGETS, 'default', 'w', { metadata: { labels: { [DRAIN]: 'true' } } });
    // Refused from the moment the cache shows the drain label…
    await eventually(() => {
      const t = g.admit('default/w');
      t?.done();
      expect(t).toBeUndefined();
    });
    await delay(300);
    // …but not handed back while the reconcile runs.
    const during = server.get(WIDGETS, 'default', 'w') as Widget;
    expect(during.metadata?.labels).toEqual({ [SHARD]: 'a', [DRAIN]: 'true', keep: 'x' });
    inFlight?.done();
    await eventually(() =>
      expect((server.get(WIDGETS, 'default', 'w') as Widget).metadata?.labels).toEqual({
        keep: 'x',
      }),
    );
    // The patch's answer reaches the gate a moment after the server applied it.
    await eventually(() => expect(g.drainsAcknowledged()).toBe(1));
    const labels = { controller: 'c', ring: 'r', shard: 'a' };
    expect(metrics.value(shardMetricNames.drainsAcknowledged, labels)).toBe(1);
    expect(metrics.histogramValue(shardMetricNames.drainDuration, labels).count).toBe(1);
    // Given back by the sharder later: admitted again.
    server.patch(WIDGETS, 'default', 'w', { metadata: { labels: { [SHARD]: 'a' } } });
    await eventually(() => {
      const t = g.admit('default/w');
      expect(t).toBeDefined();
      t?.done();
    });
  });

  it("never removes another shard's label: the patch's test fails and nothing changes", async () => {
    server.create(WIDGETS, labelled('w', { [SHARD]: 'a', [DRAIN]: 'true' }));
    let answers: DrainAcknowledgement[] = [];
    const client = createClient(server.kubeConfig);
    const real = clientAcknowledge({
      client,
      resource: widgets,
      shardLabel: SHARD,
      drainLabel: DRAIN,
      shardId: 'a',
    });
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const g = await startGate(async (key, signal) => {
      await held; // meanwhile the object is moved to shard b behind this shard's back
      const answer = await real(key, signal);
      answers = [...answers, answer];
      return answer;
    });
    await delay(100);
    server.patch(WIDGETS, 'default', 'w', { metadata: { labels: { [SHARD]: 'b' } } });
    release();
    await eventually(() => expect(answers).toEqual([{ outcome: 'not-ours' }]));
    const after = server.get(WIDGETS, 'default', 'w') as Widget;
    expect(after.metadata?.labels).toEqual({ [SHARD]: 'b', [DRAIN]: 'true' });
    expect(g.drainsAcknowledged()).toBe(0);
  });
});

// The sample controller as shards of one ring, in one process over real HTTP (the in-process API
// server): the Deployments a shard creates carry its Foo's shard label (so they are in that
// shard's cache at once), each shard caches only its Foos and Deployments, and a Deployment the
// shard's cache cannot show (not its own) is read from the server and refused as in the sample.
import { silentLogger } from '@kubecache/core';
import { shardLabel } from '@kubecache/sharding';
import { startApiServer, type ApiServer } from '@kubecache/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSampleController, type SampleController } from './app.js';
import { DEPLOYMENTS, FOOS, makeFoo, registerSampleResources } from './demo.js';
import { messageResourceExists } from './reconciler.js';
import type { Deployment, Foo } from './types.js';

const ring = 'foos';
const SHARD = shardLabel(ring);

let server: ApiServer;
const stops: (() => Promise<void>)[] = [];

beforeEach(async () => {
  server = await startApiServer();
  registerSampleResources(server);
});
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  await server.close();
});

function startShard(shardId: string): SampleController {
  const app = createSampleController(server.kubeConfig, {
    logger: silentLogger,
    workers: 4,
    name: `foo-controller-${shardId}`,
    sharding: {
      ring,
      shardId,
      leaseNamespace: 'default',
      leaseDurationMs: 2000,
      renewDeadlineMs: 1500,
      retryPeriodMs: 300,
    },
  });
  const ac = new AbortController();
  const run = app.controller.run(ac.signal);
  stops.push(async () => {
    ac.abort();
    await run;
    await app.factory.shutdown();
  });
  return app;
}

const eventually = (fn: () => void, timeout = 30_000): Promise<void> =>
  vi.waitFor(fn, { timeout, interval: 50 });

describe('sample-controller shards', () => {
  it("share the Foos; each Deployment carries its Foo's shard; a foreign Deployment is refused", async () => {
    for (let i = 0; i < 30; i++) {
      server.create(
        FOOS,
        makeFoo(`f${String(i)}`, { deploymentName: `d${String(i)}`, replicas: 1 }),
      );
    }
    const stray: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'hand-made', namespace: 'default' },
      spec: { replicas: 1 },
    };
    server.create(DEPLOYMENTS, stray);
    server.create(FOOS, makeFoo('greedy', { deploymentName: 'hand-made', replicas: 2 }));
    const apps = [startShard('a'), startShard('b')];
    await eventually(() => {
      for (let i = 0; i < 30; i++) {
        const foo = server.get(FOOS, 'default', `f${String(i)}`) as Foo;
        const shard = foo.metadata?.labels?.[SHARD];
        expect(shard === 'a' || shard === 'b').toBe(true);
        const d = server.get(DEPLOYMENTS, 'default', `d${String(i)}`) as Deployment | undefined;
        expect(d?.metadata?.labels?.[SHARD]).toBe(shard);
      }
    });
    for (const [i, app] of apps.entries()) {
      const id = i === 0 ? 'a' : 'b';
      const foos = app.factory.forResource<Foo>({
        group: 'samplecontroller.k8s.io',
        version: 'v1alpha1',
        resource: 'foos',
      });
      const cached = foos.getStore().list();
      expect(cached.length).toBeGreaterThan(0);
      expect(cached.every((f) => f.metadata?.labels?.[SHARD] === id)).toBe(true);
    }
    // The stray Deployment has no owner, so the sharder never labels it: the shard that has
    // greedy reads it from the server after its create answered AlreadyExists.
    await eventually(() =>
      expect(apps.flatMap((a) => a.events).map((e) => e.message)).toContain(
        messageResourceExists('hand-made'),
      ),
    );
    expect((server.get(DEPLOYMENTS, 'default', 'hand-made') as Deployment).spec?.replicas).toBe(1);
  });
});

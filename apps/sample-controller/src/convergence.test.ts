// Issue 21 input 6: level-triggered must mean it. Under watch gaps and relists, changes whose
// events never reach the informers still converge:
// - a Deployment the controller created and a user deleted, both while the watches saw nothing,
//   and a relist that shows neither: restored by the periodic resync (syncPeriodMs);
// - a Foo deleted and recreated under the same name (same generation, new uid) behind a relist:
//   the update passes generationChanged() as a creation, with no resync at all.
import { silentLogger } from '@kubecache/core';
import { startApiServer, type ApiServer } from '@kubecache/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSampleController } from './app.js';
import { DEPLOYMENTS, FOOS, makeFoo, registerSampleResources } from './demo.js';
import type { Deployment } from './types.js';

let server: ApiServer;
let stopApp: (() => Promise<void>) | undefined;

beforeEach(async () => {
  server = await startApiServer();
  registerSampleResources(server);
});
afterEach(async () => {
  await stopApp?.();
  stopApp = undefined;
  await server.close();
});

function start(syncPeriodMs: number, beforeCreate?: () => Promise<void>): void {
  const a = createSampleController(server.kubeConfig, {
    logger: silentLogger,
    syncPeriodMs,
    ...(beforeCreate
      ? {
          writes: (defaults) => ({
            ...defaults,
            createDeployment: async (namespace, body, signal) => {
              await beforeCreate();
              return defaults.createDeployment(namespace, body, signal);
            },
          }),
        }
      : {}),
  });
  const ac = new AbortController();
  const run = a.controller.run(ac.signal);
  stopApp = async () => {
    ac.abort();
    await run;
    await a.factory.shutdown();
  };
}

const eventually = (fn: () => void, timeout = 15_000): Promise<void> =>
  vi.waitFor(fn, { timeout, interval: 20 });
const deployment = (name: string): Deployment | undefined =>
  server.get(DEPLOYMENTS, 'default', name);

describe('sample-controller convergence under watch gaps and relists', () => {
  it('restores a Deployment created and deleted between two watches (periodic resync)', async () => {
    let watches = Infinity;
    // The controller's create of d1 waits until the Deployment informer has relisted (a
    // WatchList: a new watch) and had time to take its initial events: the relist cannot show
    // d1, only its (hidden) watch could.
    start(500, async () => {
      await eventually(() =>
        expect(server.requests.count({ verb: 'watch', resource: DEPLOYMENTS })).toBeGreaterThan(
          watches,
        ),
      );
      await new Promise((r) => setTimeout(r, 200));
    });
    await eventually(() =>
      expect(server.requests.count({ verb: 'watch', resource: DEPLOYMENTS })).toBe(1),
    );
    server.faults.hideEventsFromWatchers(true);
    server.create(FOOS, makeFoo('f1', { deploymentName: 'd1', replicas: 1 }));
    // The watches saw nothing; a relist shows the Foo, whose reconcile creates d1 — unseen too.
    watches = server.requests.count({ verb: 'watch', resource: DEPLOYMENTS });
    server.faults.expireWatches();
    await eventually(() => expect(deployment('d1')).toBeDefined());
    const firstUid = deployment('d1')?.metadata?.uid;
    server.delete(DEPLOYMENTS, 'default', 'd1'); // a user deletes it, unseen
    server.faults.hideEventsFromWatchers(false);
    server.faults.expireWatches(); // the Deployments' relist shows neither the create nor the delete
    await eventually(() => {
      const d = deployment('d1');
      expect(d).toBeDefined();
      expect(d?.metadata?.uid).not.toBe(firstUid);
    });
  });

  it('reconciles a Foo recreated with the same generation behind a relist (new uid)', async () => {
    start(0); // no resync: only the predicate can let the update through
    server.create(FOOS, makeFoo('f2', { deploymentName: 'd2', replicas: 1 }));
    await eventually(() => expect(deployment('d2')).toBeDefined());
    server.faults.hideEventsFromWatchers(true);
    server.delete(FOOS, 'default', 'f2');
    server.create(FOOS, makeFoo('f2', { deploymentName: 'd2-new', replicas: 1 }));
    server.faults.hideEventsFromWatchers(false);
    server.faults.expireWatches(); // the relist shows f2 with a new uid, generation still 1
    await eventually(() => expect(deployment('d2-new')).toBeDefined());
  });
});

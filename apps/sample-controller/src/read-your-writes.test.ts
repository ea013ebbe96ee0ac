// The sample controller reads its own writes back, over real HTTP against the in-process API
// server: its first reconcile of a Foo creates the Deployment and writes the Foo's status while the
// watches deliver nothing, then the Foo is reconciled again at once. The writes go through the
// controller's client, so the second reconcile waits until the caches show them and then has
// nothing to do. Through client-node (before), the second reconcile read the stale caches: it
// created the Deployment again (409 AlreadyExists) and wrote the status from the stale Foo (409
// Conflict).
import { silentLogger } from '@kubecache/core';
import { startApiServer, type ApiServer } from '@kubecache/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSampleController } from './app.js';
import { DEPLOYMENTS, FOOS, makeFoo, registerSampleResources } from './demo.js';
import type { Foo } from './types.js';

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

const eventually = (fn: () => void, timeout = 15_000): Promise<void> =>
  vi.waitFor(fn, { timeout, interval: 20 });
const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('sample-controller read-your-writes', () => {
  it('a reconcile right after its own writes sees them: no second create, no 409', async () => {
    server.create(FOOS, makeFoo('f', { deploymentName: 'd', replicas: 1 }));
    // The watches deliver nothing from now on: the caches hold only what they listed.
    server.faults.hideEventsFromWatchers(true);
    let reconciled = 0;
    const a = createSampleController(server.kubeConfig, {
      logger: silentLogger,
      workers: 2,
      syncPeriodMs: 0,
      onReconcile: (_key, phase) => {
        if (phase === 'end') reconciled++;
      },
    });
    const ac = new AbortController();
    const run = a.controller.run(ac.signal);
    stopApp = async () => {
      ac.abort();
      await run;
      await a.factory.shutdown();
    };
    // The first reconcile (initial list): creates d and writes f's status, neither seen by the caches.
    await eventually(() => {
      expect(reconciled).toBe(1);
      expect(server.get(DEPLOYMENTS, 'default', 'd')).toBeDefined();
      expect((server.get(FOOS, 'default', 'f') as Foo).status?.availableReplicas).toBe(0);
    });
    a.controller.enqueue({ namespace: 'default', name: 'f' });
    await delay(300);
    const whileHidden = reconciled;
    // Let the watches through: the re-watch from the informers' last resourceVersion delivers both.
    server.faults.hideEventsFromWatchers(false);
    server.faults.resetWatches();
    await eventually(() => expect(reconciled).toBeGreaterThanOrEqual(2));
    const answers = server.requests.entries.filter((r) => r.verb !== 'watch' && r.verb !== 'list');
    expect(answers.filter((r) => r.status === 409)).toEqual([]);
    expect(server.requests.count({ verb: 'create', resource: DEPLOYMENTS })).toBe(1);
    expect(server.requests.count({ verb: 'update', resource: FOOS })).toBe(1);
    expect(whileHidden).toBe(1); // the second reconcile waited for the caches
  });
});

// The stale-cache bug read-your-writes removes, over real HTTP against the test server: a
// reconcile creates a child ConfigMap only if the cache has none; its key is reconciled twice in
// quick succession while the watch does not deliver the create (events hidden from watchers).
// Without read-your-writes the second reconcile finds no child in the cache and creates it again
// (409 AlreadyExists); with it (the default) the second reconcile waits until the cache has
// seen the first create, and there is exactly one create.
import type { Logger } from '@kubecache/core';
import { configMapsResource } from '@kubecache/informer';
import { afterEach, describe, expect, it } from 'vitest';
import { createController } from './controller.js';
import { isAlreadyExistsError } from './errors.js';
import { newControllerRef } from './owner.js';
import type { ReconcileRequest } from './request.js';
import type { ReconcileContext } from './workers.js';
import {
  delay,
  eventually,
  startHarness,
  WIDGETS,
  widget,
  widgetType,
  type Harness,
} from './test-support/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

interface Run {
  creates: number;
  alreadyExists: number;
  reconciles: number;
  warnings: { fields: Record<string, unknown>; msg: string | undefined }[];
}

async function scenario(
  readYourWrites: false | { timeoutMs: number } | undefined,
  release: (run: Run, harness: Harness, stop: () => Promise<unknown>) => Promise<void>,
): Promise<Run> {
  h = await startHarness();
  const harness = h;
  harness.server.create(WIDGETS, widget('w', 1));
  const run: Run = { creates: 0, alreadyExists: 0, reconciles: 0, warnings: [] };
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (fields: object | string, msg?: string) => {
      if (typeof fields === 'object') {
        run.warnings.push({ fields: fields as Record<string, unknown>, msg });
      }
    },
    error: () => undefined,
  };
  const configMaps = harness.configMaps;
  const controller = createController({
    name: 'ryw',
    for: { informer: harness.widgets, ...widgetType },
    owns: [configMaps],
    kubeConfig: harness.server.kubeConfig,
    ...(readYourWrites !== undefined ? { readYourWrites } : {}),
    logger,
    syncPeriodMs: 0,
    shutdownTimeoutMs: 60_000,
    reconcile: async (request, context) => {
      try {
        await reconcile(request, context);
      } finally {
        run.reconciles++; // counted once it returned
      }
    },
  });
  async function reconcile(
    request: ReconcileRequest,
    { client, signal }: ReconcileContext,
  ): Promise<void> {
    const owner = harness.widgets.getLister().get(request.namespace, request.name);
    if (owner === undefined) return;
    const childKey = `${request.namespace}/${request.name}-child`;
    if (configMaps.getStore().getByKey(childKey) !== undefined) return; // the cache has it
    try {
      await client.create(
        configMapsResource,
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: `${request.name}-child`,
            namespace: request.namespace,
            ownerReferences: [newControllerRef(owner, widgetType)],
          },
          data: { size: '1' },
        },
        { signal },
      );
      run.creates++;
    } catch (err) {
      if (!isAlreadyExistsError(err)) throw err;
      run.alreadyExists++;
    }
  }
  // The watches deliver nothing from now on: the caches only see what they listed.
  harness.server.faults.hideEventsFromWatchers(true);
  const handle = harness.start(controller);
  await eventually(() => expect(run.creates).toBe(1)); // the first reconcile (initial list)
  await eventually(() => expect(run.reconciles).toBe(1));
  // The key is triggered again at once, the child's create not yet in the cache.
  controller.enqueue({ namespace: 'default', name: 'w' });
  await release(run, harness, async () => {
    await handle.stop();
    return handle.done;
  });
  return run;
}

describe('read-your-writes (over HTTP, watch events held back)', () => {
  it('off: the second reconcile does not see the child it created and creates it again (AlreadyExists)', async () => {
    const run = await scenario(false, async (r) => {
      await eventually(() => expect(r.reconciles).toBe(2));
    });
    expect(run.creates).toBe(1);
    expect(run.alreadyExists).toBe(1); // the bug: a second create of the same child
  });

  it('on (default): the second reconcile waits until the cache saw the create; exactly one create', async () => {
    const run = await scenario(undefined, async (r, harness) => {
      await delay(300); // the second reconcile is waiting for the cache, not running
      expect(r.reconciles).toBe(1);
      // Let the watches through: the re-watch from the informers' last RV delivers the create.
      harness.server.faults.hideEventsFromWatchers(false);
      harness.server.faults.resetWatches();
      // The waiting reconcile runs, and the child's event (now delivered) enqueues its owner.
      await eventually(() => expect(r.reconciles).toBeGreaterThanOrEqual(3));
    });
    expect(run.creates).toBe(1);
    expect(run.alreadyExists).toBe(0);
    expect(run.warnings).toEqual([]);
  });

  it('on, the cache never catching up within timeoutMs: the key is requeued with a warning naming it, not reconciled stale', async () => {
    const run = await scenario({ timeoutMs: 200 }, async (r) => {
      await eventually(() => expect(r.warnings.length).toBeGreaterThan(0));
    });
    expect(run.reconciles).toBe(1);
    expect(run.alreadyExists).toBe(0);
    const w = run.warnings[0];
    expect(w?.fields).toMatchObject({
      component: 'controller',
      resource: 'ryw',
      key: 'default/w',
      waitingFor: 'configmaps',
      pending: 1,
      timeoutMs: 200,
    });
    expect(w?.msg).toBe(
      "cache of configmaps has not seen this controller's own writes within 200 ms; requeued",
    );
  });

  it('a shutdown gives up a reconcile waiting for the caches: it does not run', async () => {
    let result: unknown;
    const run = await scenario({ timeoutMs: Infinity }, async (_r, _h, stop) => {
      await delay(200); // the second reconcile is waiting
      result = await stop(); // graceful: shutdownTimeoutMs is 60 000
    });
    expect(result).toEqual({ abandonedReconciles: 0 });
    // The waiting reconcile was given up when the shutdown began: it never ran (before, the wait
    // went on during the graceful shutdown and the reconcile ran once the cache caught up).
    expect(run.reconciles).toBe(1);
    expect(run.creates).toBe(1);
  });
});

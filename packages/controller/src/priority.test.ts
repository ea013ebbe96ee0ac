// Issue 23 item 6: the controller's queue is controller-runtime's priority queue by default.
// Requests of the initial list enter at lowPriority, so a user's fresh change to one object is
// reconciled before the startup backlog, not after it (as with the FIFO queue).
import { silentLogger } from '@kubecache/core';
import { isPriorityQueue } from '@kubecache/workqueue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createController } from './controller.js';
import {
  WIDGETS,
  eventually,
  startHarness,
  widget,
  widgetType,
  type Harness,
  type Widget,
} from './test-support/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const startupItems = 10_000;
const target = 'zz-target'; // created last: the end of the initial list

/**
 * Starts a controller over `startupItems` + 1 widgets; its first reconcile updates `target` on
 * the server and waits until the controller's own handler has seen that update (the predicate
 * runs right before the enqueue). Resolves with how many startup items were reconciled before
 * the target's reconcile that followed the update.
 */
async function startupItemsBeforeFreshChange(priorityQueue: boolean | undefined): Promise<number> {
  for (let i = 0; i < startupItems; i++) h.server.create(WIDGETS, widget(`w${String(i)}`));
  h.server.create(WIDGETS, widget(target));
  let updateSeen: () => void = () => undefined;
  const seen = new Promise<void>((resolve) => {
    updateSeen = resolve;
  });
  let updated = false;
  let before = 0;
  let after: number | undefined;
  const c = createController<Widget>({
    name: 'widgets',
    for: {
      informer: h.widgets,
      ...widgetType,
      predicates: [
        (e) => {
          if (e.type === 'update' && e.newObject.metadata?.name === target) updateSeen();
          return true;
        },
      ],
    },
    reconcile: async ({ name }) => {
      if (!updated) {
        updated = true;
        const current = h.widgets.getStore().getByKey(`default/${target}`) as Widget;
        const changed: Widget = { ...current, spec: { size: 2 } };
        h.server.update(WIDGETS, changed);
        await seen; // the handler enqueued the fresh change (synchronously after the predicate)
      }
      if (name === target && updated) after ??= before;
      else before++;
    },
    logger: silentLogger,
    syncPeriodMs: 0,
    ...(priorityQueue === undefined ? {} : { priorityQueue }),
  });
  expect(isPriorityQueue(c.queue)).toBe(priorityQueue !== false);
  h.start(c);
  await eventually(() => expect(after).toBeDefined(), 60_000);
  return after ?? Number.NaN;
}

describe('priority queue (default)', () => {
  it('reconciles a fresh change before most of 10,000 queued startup items', async () => {
    const n = await startupItemsBeforeFreshChange(undefined);
    // The first startup item (whose reconcile made the change) and perhaps a few more.
    expect(n).toBeLessThan(20);
  }, 120_000);

  it('with priorityQueue: false (FIFO), the fresh change waits behind the startup items', async () => {
    const n = await startupItemsBeforeFreshChange(false);
    expect(n).toBeGreaterThan(startupItems - 20);
  }, 120_000);
});

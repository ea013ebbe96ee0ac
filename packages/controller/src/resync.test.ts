// Issue 21 input 6 (a): level-triggered must mean it — every primary is enqueued again every
// syncPeriodMs (± 10 % jitter) while the workers run, so a change no event reported is still
// reconciled; 0 and Infinity turn it off.
import { FakeClock, silentLogger } from '@kubecache/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSyncPeriodMs } from './controller-options.js';
import { createController } from './controller.js';
import { isControllerOptionsError } from './errors.js';
import {
  WIDGETS,
  delay,
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

function counting(clock: FakeClock, syncPeriodMs?: number) {
  const calls = new Map<string, number>();
  const c = createController<Widget>({
    name: 'widgets',
    for: { informer: h.widgets, ...widgetType },
    reconcile: ({ name }) => void calls.set(name, (calls.get(name) ?? 0) + 1),
    logger: silentLogger,
    clock,
    ...(syncPeriodMs !== undefined ? { syncPeriodMs } : {}),
  });
  return { c, calls };
}

describe('periodic resync (syncPeriodMs)', () => {
  it('enqueues every primary again after the period ± 10 %, by default every 10 min', async () => {
    expect(defaultSyncPeriodMs).toBe(600_000);
    h.server.create(WIDGETS, widget('a'));
    h.server.create(WIDGETS, widget('b'));
    const clock = new FakeClock();
    const { c, calls } = counting(clock);
    h.start(c);
    await eventually(() => expect([calls.get('a'), calls.get('b')]).toEqual([1, 1]));
    await clock.advance(defaultSyncPeriodMs * 0.9 - 1);
    await delay(50);
    expect([calls.get('a'), calls.get('b')]).toEqual([1, 1]);
    await clock.advance(defaultSyncPeriodMs * 0.2 + 1);
    await eventually(() => expect([calls.get('a'), calls.get('b')]).toEqual([2, 2]));
    await clock.advance(defaultSyncPeriodMs * 1.1);
    await eventually(() => expect([calls.get('a'), calls.get('b')]).toEqual([3, 3]));
  });

  it('is off with 0 or Infinity', async () => {
    h.server.create(WIDGETS, widget('a'));
    const clock = new FakeClock();
    const off = [counting(clock, 0), counting(clock, Infinity)];
    for (const { c } of off) h.start(c);
    await eventually(() => expect(off.map(({ calls }) => calls.get('a'))).toEqual([1, 1]));
    await clock.advance(defaultSyncPeriodMs * 10);
    await delay(100);
    expect(off.map(({ calls }) => calls.get('a'))).toEqual([1, 1]);
  });

  it('refuses a negative or NaN period', () => {
    for (const syncPeriodMs of [-1, Number.NaN]) {
      try {
        createController<Widget>({
          name: 'widgets',
          for: { informer: h.widgets, ...widgetType },
          reconcile: () => undefined,
          syncPeriodMs,
        });
        expect.unreachable();
      } catch (err) {
        expect(isControllerOptionsError(err)).toBe(true);
      }
    }
  });
});

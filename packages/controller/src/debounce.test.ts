// kube-rs's debounce: a key is handed on once no new event for it arrived for debounceMs.
import { FakeClock, silentLogger } from '@kubecache/core';
import { describe, expect, it } from 'vitest';
import { createController } from './controller.js';
import { Debouncer } from './debounce.js';
import { isControllerOptionsError } from './errors.js';
import {
  WIDGETS,
  delay,
  eventually,
  startHarness,
  widget,
  widgetType,
  type Widget,
} from './test-support/harness.js';

function debouncer(debounceMs = 100) {
  const clock = new FakeClock();
  const handed: [string, number][] = [];
  const d = new Debouncer({ debounceMs, clock, add: (key, p) => handed.push([key, p]) });
  return { clock, handed, d };
}

describe('Debouncer', () => {
  it('hands a key on debounceMs after its last add, once', async () => {
    const { clock, handed, d } = debouncer();
    d.add('a', undefined);
    await clock.advance(50);
    d.add('a', undefined);
    await clock.advance(40);
    d.add('a', undefined); // t = 90: due at 190
    await clock.advance(99);
    expect(handed).toEqual([]);
    await clock.advance(1);
    expect(handed).toEqual([['a', 0]]);
    await clock.advance(1000);
    expect(handed).toEqual([['a', 0]]);
    expect(d.size()).toBe(0);
  });

  it('hands keys on in the order their quiet periods end, with the highest priority seen', async () => {
    const { clock, handed, d } = debouncer();
    d.add('a', -100);
    d.add('b', undefined);
    d.add('d', -100);
    await clock.advance(10);
    d.add('d', -100); // due 110
    await clock.advance(10);
    d.add('a', 0); // due 120, priority raised to 0
    d.add('b', -100); // due 120, keeps the higher: none, i.e. 0
    d.add('c', 5); // due 120
    await clock.advance(89);
    expect(handed).toEqual([]);
    await clock.advance(1);
    expect(handed).toEqual([['d', -100]]);
    await clock.advance(10);
    expect(handed).toEqual([
      ['d', -100],
      ['a', 0],
      ['b', 0],
      ['c', 5],
    ]);
  });

  it('drops what it holds on stop and ignores later adds', async () => {
    const { clock, handed, d } = debouncer();
    d.add('a', undefined);
    d.stop();
    d.add('b', undefined);
    await clock.advance(1000);
    expect(handed).toEqual([]);
    expect(d.size()).toBe(0);
  });
});

describe('controller debounceMs', () => {
  it('reconciles a burst of updates to one object once, debounceMs after the last', async () => {
    const h = await startHarness();
    try {
      h.server.create(WIDGETS, widget('a'));
      const clock = new FakeClock();
      let updates = 0;
      let calls = 0;
      const c = createController<Widget>({
        name: 'widgets',
        for: {
          informer: h.widgets,
          ...widgetType,
          predicates: [(e) => (e.type === 'update' ? ++updates > 0 : true)],
        },
        reconcile: () => void calls++,
        logger: silentLogger,
        clock,
        debounceMs: 1000,
      });
      h.start(c);
      await eventually(() => expect(c.isLeading()).toBe(true));
      await delay(50);
      expect(calls).toBe(0); // the initial list's add is held too
      await clock.advance(1000);
      await eventually(() => expect(calls).toBe(1));
      for (let size = 2; size <= 4; size++) {
        const current = h.widgets.getStore().getByKey('default/a') as Widget;
        const changed: Widget = { ...current, spec: { size } };
        h.server.update(WIDGETS, changed);
        await eventually(() => expect(updates).toBe(size - 1));
        await clock.advance(400); // less than debounceMs since the previous update
      }
      await delay(50);
      expect(calls).toBe(1);
      await clock.advance(599); // 999 ms after the last update
      await delay(50);
      expect(calls).toBe(1);
      await clock.advance(1);
      await eventually(() => expect(calls).toBe(2));
      await delay(50);
      expect(calls).toBe(2);
    } finally {
      await h.close();
    }
  });

  it('refuses a negative or NaN debounceMs', async () => {
    const h = await startHarness();
    try {
      for (const debounceMs of [-1, Number.NaN]) {
        let thrown: unknown;
        try {
          createController<Widget>({
            name: 'widgets',
            for: { informer: h.widgets, ...widgetType },
            reconcile: () => undefined,
            debounceMs,
          });
        } catch (err) {
          thrown = err;
        }
        expect(isControllerOptionsError(thrown) ? thrown.option : thrown).toBe('debounceMs');
      }
    } finally {
      await h.close();
    }
  });
});

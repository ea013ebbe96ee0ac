// Slow-handler tracing (client-go 1.36) through a shared informer over real HTTP, on real time:
// a burst of 1,100 notifications (the initial list) and a synchronous handler whose first call
// takes 120 ms.
import { afterEach, describe, expect, it } from 'vitest';
import { createDefaultLogger, type KubeObject } from '@kubecache/core';
import { createListWatch } from '@kubecache/listwatch';
import { makePod, startApiServer } from '@kubecache/testing';
import { createSharedIndexInformer } from './shared-informer.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Blocks the thread for `ms` of real time, as a slow synchronous handler does. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spinning on purpose
  }
}

describe('slow event handlers', () => {
  it('are logged with handler name, duration and backlog once the backlog passes 1,024', async () => {
    const s = await startApiServer();
    cleanups.push(() => s.close());
    for (let i = 0; i < 1100; i++)
      s.create('pods', makePod({ namespace: 'ns', name: `p${String(i)}` }));
    const lines: string[] = [];
    const informer = createSharedIndexInformer<KubeObject>(
      createListWatch(s.kubeConfig, { group: '', version: 'v1', resource: 'pods', kind: 'Pod' }),
      { name: 'pods.v1', logger: createDefaultLogger({ write: (l) => void lines.push(l.trim()) }) },
    );
    let calls = 0;
    const reg = informer.addEventHandler(
      {
        onAdd: () => {
          if (calls++ === 0) busy(120);
        },
      },
      { name: 'printer' },
    );
    const ac = new AbortController();
    const done = informer.run(ac.signal);
    cleanups.push(async () => {
      ac.abort();
      await done;
    });
    expect(await reg.whenSynced(AbortSignal.timeout(20_000))).toBe(true);
    expect(calls).toBe(1100);
    const slow = lines.filter((l) => l.includes('slow event handler'));
    expect(slow).toHaveLength(1);
    const line = slow[0]!;
    expect(line.replace(/durationMs=\d+/, 'durationMs=N')).toBe(
      'kubecache warn informer pods.v1: slow event handler handler=printer durationMs=N backlog=1099 cause="slow handler printer"',
    );
    expect(Number(/durationMs=(\d+)/.exec(line)?.[1])).toBeGreaterThanOrEqual(120);
  });
});

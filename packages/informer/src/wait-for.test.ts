import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import { createListWatch } from '@kubecache/listwatch';
import { makePod, startApiServer } from '@kubecache/testing';
import { SyncLatch, type SyncWaiter } from './handlers.js';
import { createSharedIndexInformer } from './shared-informer.js';
import { waitFor, type WaitForResult } from './wait-for.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A checker that syncs when told to. */
function checker(name: string) {
  let synced = false;
  const latch = new SyncLatch(() => synced);
  return Object.assign(latch, {
    name,
    sync: () => {
      synced = true;
      latch.poke();
    },
  });
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('waitFor', () => {
  it('resolves as soon as the last checker syncs, without any timer (event-driven)', async () => {
    vi.useFakeTimers(); // a polling wait could never finish: no timer ever fires
    const a = checker('a');
    const b = checker('b');
    let result: WaitForResult<typeof a> | undefined;
    void waitFor(new AbortController().signal, a, b).then((r) => (result = r));
    a.sync();
    await flush();
    expect(result).toBeUndefined();
    b.sync();
    await flush();
    expect(result).toEqual({ allSynced: true, synced: [a, b], notSynced: [] });
  });

  it('resolves with the ones not synced when the signal aborts (never rejects)', async () => {
    const a = checker('a');
    const b = checker('b');
    const ac = new AbortController();
    const waiting = waitFor(ac.signal, a, b);
    a.sync();
    ac.abort();
    const r = await waiting;
    expect(r.allSynced).toBe(false);
    expect(r.synced.map((c) => c.name)).toEqual(['a']);
    expect(r.notSynced.map((c) => c.name)).toEqual(['b']);
    // An already aborted signal answers at once.
    expect((await waitFor(ac.signal, a, b)).notSynced).toEqual([b]);
  });

  it('resolves without waiting for the signal when the unsynced checkers stopped', async () => {
    const a = checker('a');
    const stopped = checker('stopped');
    const waiting = waitFor(new AbortController().signal, a, stopped);
    a.sync();
    stopped.cancel(); // its informer stopped, or its registration was removed
    expect(await waiting).toEqual({ allSynced: false, synced: [a], notSynced: [stopped] });
  });

  it('names which informers and registrations synced, over real HTTP', async () => {
    const s = await startApiServer();
    cleanups.push(() => s.close());
    s.create('pods', makePod({ namespace: 'ns', name: 'a' }));
    const lw = () =>
      createListWatch(s.kubeConfig, { group: '', version: 'v1', resource: 'pods', kind: 'Pod' });
    const running = createSharedIndexInformer<KubeObject>(lw(), { name: 'running' });
    const neverStarted = createSharedIndexInformer<KubeObject>(lw(), { name: 'never-started' });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = running.addEventHandler({ onAdd: () => gate }, { name: 'slow' });
    const fast = running.addEventHandler({}, { name: 'fast' });
    const ac = new AbortController();
    const done = running.run(ac.signal);
    cleanups.push(async () => {
      release();
      ac.abort();
      await done;
    });
    const r = await waitFor<(SyncWaiter & { readonly name: string })[]>(
      AbortSignal.timeout(500),
      running,
      fast,
      slow,
      neverStarted,
    );
    expect(r.synced.map((c) => c.name)).toEqual(['running', 'fast']);
    expect(r.notSynced.map((c) => c.name)).toEqual(['slow', 'never-started']);
    release();
    expect((await waitFor(AbortSignal.timeout(5000), slow)).allSynced).toBe(true);
  });
});

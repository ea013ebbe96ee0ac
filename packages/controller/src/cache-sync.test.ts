// `run` when the caches never sync: a resource the server does not serve (404) makes it reject
// after `cacheSyncTimeoutMs` with the informer's name and last error, an informer that gave up
// (`onPermanentError: 'stop'`) makes it reject at once, and an abort while waiting resolves with a
// warning that says which informer was not synced.
import { silentLogger, type KubeObject, type Logger } from '@kubecache/core';
import {
  createSharedInformerFactory,
  isCacheSyncTimeoutError,
  isPermanentFailureError,
  type CacheSyncTimeoutError,
} from '@kubecache/informer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultCacheSyncTimeoutMs } from './controller-options.js';
import { createController } from './controller.js';
import { startHarness, widgetType, type Harness, type Widget } from './test-support/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

/** The resource nobody registered on the test server: every list answers 404. */
const gadgets = { group: 'example.com', version: 'v1', resource: 'gadgets' };

function recordingLogger(lines: string[]): Logger {
  const log = (obj: object | string, msg?: string): void =>
    void lines.push(typeof obj === 'string' ? obj : (msg ?? ''));
  return { debug: log, info: log, warn: log, error: log };
}

describe('controller cache sync', () => {
  it("defaults to controller-runtime's CacheSyncTimeout of 2 minutes", () => {
    expect(defaultCacheSyncTimeoutMs).toBe(120_000);
  });

  it('rejects after cacheSyncTimeoutMs, naming the informer that never synced and its 404', async () => {
    const c = createController<Widget>({
      name: 'widgets',
      for: { informer: h.widgets, ...widgetType },
      owns: [h.factory.forResource<KubeObject>(gadgets)],
      reconcile: () => undefined,
      logger: silentLogger,
      cacheSyncTimeoutMs: 400,
    });
    const started = performance.now();
    const err = await c.run(new AbortController().signal).catch((e: unknown) => e);
    expect(isCacheSyncTimeoutError(err)).toBe(true);
    const timeout = err as CacheSyncTimeoutError;
    expect(timeout.reason).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(timeout.pending.map((p) => p.name)).toEqual(['gadgets.v1.example.com']);
    expect(timeout.pending[0]?.permanent).toBe(true);
    expect(timeout.message).toMatch(/gadgets\.v1\.example\.com: failing .*404/);
    expect(c.hasSynced()).toBe(false);
  });

  it("rejects at once with the PermanentFailureError of an informer that gave up (onPermanentError: 'stop')", async () => {
    const factory = createSharedInformerFactory(h.server.kubeConfig, {
      logger: silentLogger,
      onPermanentError: 'stop',
    });
    const running = new AbortController();
    try {
      const watched = factory.forResource(gadgets);
      factory.start(running.signal); // started by the app, not by the controller
      const c = createController<Widget>({
        name: 'widgets',
        for: { informer: h.widgets, ...widgetType },
        watches: [{ informer: watched, map: () => [] }],
        reconcile: () => undefined,
        logger: silentLogger,
      });
      const started = performance.now();
      const err = await c.run(new AbortController().signal).catch((e: unknown) => e);
      expect(isPermanentFailureError(err)).toBe(true);
      expect(String(err)).toMatch(/404|not find/i);
      expect(performance.now() - started).toBeLessThan(5_000); // not the 2 min default
    } finally {
      running.abort();
      await factory.shutdown();
    }
  });

  it('resolves when aborted while waiting, with a warning naming the informer not synced', async () => {
    const lines: string[] = [];
    const c = createController<Widget>({
      name: 'widgets',
      for: { informer: h.widgets, ...widgetType },
      owns: [h.factory.forResource<KubeObject>(gadgets)],
      reconcile: () => undefined,
      logger: recordingLogger(lines),
    });
    const ac = new AbortController();
    const done = c.run(ac.signal);
    setTimeout(() => ac.abort(), 300);
    await expect(done).resolves.toEqual({ abandonedReconciles: 0 });
    expect(lines.join('\n')).toMatch(
      /stopped before the caches synced: .*gadgets\.v1\.example\.com: failing .*404/,
    );
  });

  it('refuses a cacheSyncTimeoutMs that is not a number > 0', () => {
    for (const bad of [0, -1, Number.NaN]) {
      expect(() =>
        createController<Widget>({
          name: 'widgets',
          for: { informer: h.widgets, ...widgetType },
          reconcile: () => undefined,
          cacheSyncTimeoutMs: bad,
        }),
      ).toThrow(/cacheSyncTimeoutMs: expected a number > 0/);
    }
  });
});

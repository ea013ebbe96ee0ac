// One term of the workers, ended by a shutdown (worker-term.ts): the workers stop taking keys at
// once, reconciles in flight may finish until shutdownTimeoutMs, then their signal aborts and
// `run` resolves with how many were left.
import { silentLogger } from '@kubecache/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  WIDGETS,
  delay,
  eventually,
  startHarness,
  widget,
  widgetController,
  type Harness,
} from './test-support/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe('worker term: shutdown', () => {
  it('on shutdown stops taking keys and lets the reconciles in flight finish', async () => {
    for (let i = 0; i < 6; i++) h.server.create(WIDGETS, widget(`s${i}`));
    const started: string[] = [];
    const finished: string[] = [];
    let aborted = 0;
    const c = widgetController(
      h,
      async (req, { signal }) => {
        started.push(req.name);
        await delay(300);
        if (signal.aborted) aborted++;
        finished.push(req.name);
      },
      { concurrency: 2, shutdownTimeoutMs: 5000 },
    );
    const run = h.start(c);
    await eventually(() => expect(started.length).toBe(2));
    const t0 = Date.now();
    await run.stop();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(started.length).toBe(2);
    expect(finished.length).toBe(2);
    expect(aborted).toBe(0);
  });

  it('aborts reconciles that outlive the shutdown deadline, and run still resolves', async () => {
    h.server.create(WIDGETS, widget('stuck'));
    let sawAbort = false;
    let entered = false;
    const c = widgetController(
      h,
      async (_req, { signal }) => {
        entered = true;
        await new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        sawAbort = true;
        await new Promise(() => undefined); // ignores the signal: never returns
      },
      { shutdownTimeoutMs: 200 },
    );
    const run = h.start(c);
    await eventually(() => expect(entered).toBe(true));
    const t0 = Date.now();
    await run.stop();
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(3000);
    expect(sawAbort).toBe(true);
  });

  it("at the shutdown deadline, a reconcile that rejects with its signal's reason is not logged as failed; run says how many were left", async () => {
    h.server.create(WIDGETS, widget('slow'));
    let entered = false;
    const warnings: string[] = [];
    const c = widgetController(
      h,
      (_req, { signal }) => {
        entered = true;
        // as fetch does: rejects with the signal's reason
        return new Promise<undefined>((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
        );
      },
      {
        shutdownTimeoutMs: 100,
        logger: { ...silentLogger, warn: (_o, msg) => void warnings.push(msg ?? '') },
      },
    );
    const run = h.start(c);
    await eventually(() => expect(entered).toBe(true));
    const result = run.done;
    await run.stop();
    expect(await result).toEqual({ abandonedReconciles: 1 });
    await delay(50);
    expect(warnings).toEqual(['shutdown deadline passed with reconciles in flight; leaving them']);
  });
});

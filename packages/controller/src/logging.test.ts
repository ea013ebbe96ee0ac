// The controller wraps the user's logger (pino-shaped) once with core's createRateLimitedLogger:
// a reconcile failing again and again is one line, then one summary when run ends (flushed).
import type { Logger } from '@kubecache/core';
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

/** A pino-shaped logger that records every call. */
function recordingLogger(): {
  logger: Logger;
  calls: { fields: Record<string, unknown>; msg: string }[];
} {
  const calls: { fields: Record<string, unknown>; msg: string }[] = [];
  const log = (obj: object | string, msg?: string): void => {
    if (typeof obj === 'string') calls.push({ fields: {}, msg: obj });
    else calls.push({ fields: { ...obj }, msg: msg ?? '' });
  };
  return { logger: { debug: log, info: log, warn: log, error: log }, calls };
}

describe('controller logging', () => {
  it("passes the first 'reconcile failed' of a cause to the user's logger and summarises the repeats when run ends", async () => {
    h.server.create(WIDGETS, widget('a'));
    const { logger, calls } = recordingLogger();
    let failures = 0;
    const c = createController<Widget>({
      name: 'widgets',
      for: { informer: h.widgets, ...widgetType },
      reconcile: () => {
        failures++;
        throw new TypeError("Cannot read properties of undefined (reading 'replicas')");
      },
      logger,
      syncPeriodMs: 0,
    });
    const run = h.start(c);
    await eventually(() => expect(failures).toBeGreaterThanOrEqual(6)); // 5, 10, 20, 40, 80 ms…
    const failed = (): typeof calls =>
      calls.filter((l) => l.msg === 'reconcile failed; will retry');
    expect(failed()).toHaveLength(1);
    expect(failed()[0]?.fields.key).toBe('default/a');
    await run.stop();
    const lines = failed();
    expect(lines).toHaveLength(2);
    const summary = lines[1]?.fields ?? {};
    expect(summary.repeated).toBe(failures - 1);
    expect(summary.keys).toEqual(['default/a']);
  });
});

// The options createController refuses before it builds anything (controller-options.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createController } from './controller.js';
import { isControllerOptionsError } from './errors.js';
import { startHarness, widgetType, type Harness } from './test-support/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe('controller options', () => {
  it('refuses options that cannot work', () => {
    const base = {
      name: 'x',
      for: { informer: h.widgets, ...widgetType },
      reconcile: () => undefined,
    };
    expect(() => createController({ ...base, name: '' })).toThrow(/name/);
    try {
      createController({ ...base, concurrency: 0 });
      expect.unreachable();
    } catch (err) {
      expect(isControllerOptionsError(err)).toBe(true);
    }
    expect(() => createController({ ...base, shutdownTimeoutMs: -1 })).toThrow(/shutdownTimeoutMs/);
  });
});

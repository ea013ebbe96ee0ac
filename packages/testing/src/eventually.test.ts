import { describe, expect, it } from 'vitest';
import { eventually } from './eventually.js';

describe('eventually', () => {
  it('retries until the function stops throwing and returns its value', async () => {
    let calls = 0;
    const v = await eventually(
      () => {
        calls++;
        if (calls < 3) throw new Error('not yet');
        return 'done';
      },
      { intervalMs: 1 },
    );
    expect(v).toBe('done');
    expect(calls).toBe(3);
  });

  it('awaits async functions and rethrows the last failure after the timeout', async () => {
    const t0 = Date.now();
    await expect(
      eventually(
        async () => {
          await Promise.resolve();
          expect(1).toBe(2);
        },
        { timeoutMs: 50, intervalMs: 5 },
      ),
    ).rejects.toThrow(/still failing after 50 ms: expected 1 to be 2/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
  });
});

import { AbortedError, FakeClock } from '@kubecache/core';
import { describe, expect, it } from 'vitest';
import { isControllerOptionsError } from './errors.js';
import { defaultBackoff, defaultRetry, retryOnConflict, retryOnError } from './retry.js';

const conflict = (): Error =>
  Object.assign(new Error('the object has been modified'), { code: 409, reason: 'Conflict' });

/** Runs `p` while advancing the fake clock in small steps until it settles. */
async function drive<T>(clock: FakeClock, p: Promise<T>): Promise<T> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 1000 && !settled; i++) await clock.advance(1);
  return p;
}

describe('retryOnConflict', () => {
  it('has client-go DefaultRetry and DefaultBackoff values', () => {
    expect(defaultRetry).toEqual({ steps: 5, durationMs: 10, factor: 1, jitter: 0.1 });
    expect(defaultBackoff).toEqual({ steps: 4, durationMs: 10, factor: 5, jitter: 0.1 });
  });

  it('retries conflicts 10 ms apart and resolves with the first success', async () => {
    const clock = new FakeClock();
    const at: number[] = [];
    const result = await drive(
      clock,
      retryOnConflict(
        (attempt) => {
          at.push(clock.now());
          if (attempt < 3) throw conflict();
          return 'ok';
        },
        { clock, random: () => 0 },
      ),
    );
    expect(result).toBe('ok');
    expect(at).toEqual([0, 10, 20]);
  });

  it('gives up after five attempts with the last conflict', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const p = retryOnConflict(
      () => {
        calls++;
        throw conflict();
      },
      { clock, random: () => 0.5 },
    );
    await expect(drive(clock, p)).rejects.toThrow('the object has been modified');
    expect(calls).toBe(5);
    // four waits of 10 ms + 5 % jitter
    expect(clock.now()).toBeGreaterThanOrEqual(42);
  });

  it('does not retry other errors, nor a 409 AlreadyExists', async () => {
    let calls = 0;
    await expect(
      retryOnConflict(() => {
        calls++;
        throw Object.assign(new Error('exists'), { code: 409, reason: 'AlreadyExists' });
      }),
    ).rejects.toThrow('exists');
    expect(calls).toBe(1);
  });

  it('grows the waits by the factor with DefaultBackoff', async () => {
    const clock = new FakeClock();
    const at: number[] = [];
    const p = retryOnError(
      () => true,
      () => {
        at.push(clock.now());
        throw new Error('x');
      },
      { clock, backoff: defaultBackoff, random: () => 0 },
    );
    await expect(drive(clock, p)).rejects.toThrow('x');
    expect(at).toEqual([0, 10, 60, 310]);
  });

  it('stops waiting when the signal aborts', async () => {
    const clock = new FakeClock();
    const ac = new AbortController();
    const p = retryOnConflict(
      () => {
        throw conflict();
      },
      { clock, signal: ac.signal },
    );
    await Promise.resolve();
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(AbortedError);
  });

  it('refuses a backoff without steps', async () => {
    await expect(
      retryOnConflict(() => 1, { backoff: { steps: 0, durationMs: 1, factor: 1, jitter: 0 } }),
    ).rejects.toSatisfy(isControllerOptionsError);
  });
});

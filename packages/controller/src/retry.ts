// Port of k8s.io/client-go/util/retry/util.go (`RetryOnConflict`, `OnError`, `DefaultRetry`,
// `DefaultBackoff`) over apimachinery's `wait.ExponentialBackoff` step rules.
import { realClock, sleep, toError, type Clock } from '@kubecache/core';
import { ControllerOptionsError, isConflictError } from './errors.js';

/**
 * An exponential backoff (apimachinery `wait.Backoff`): at most `steps` attempts; before attempt
 * n+1 the caller waits `durationMs × factorⁿ⁻¹` (capped at `capMs`), plus up to `jitter` times
 * that at random.
 */
export interface RetryBackoff {
  /** Attempts in all, ≥ 1. */
  readonly steps: number;
  /** The first wait, in ms. */
  readonly durationMs: number;
  /** Each wait is the previous one times `factor` (1 = constant). */
  readonly factor: number;
  /** Extra random wait, as a fraction of the wait: 0.1 adds 0–10 %. */
  readonly jitter: number;
  /** Upper bound of the wait before jitter, in ms. Default: none. */
  readonly capMs?: number;
}

/**
 * client-go's `retry.DefaultRetry`, for conflicts on objects the caller manages: 5 attempts,
 * 10 ms apart (+ up to 10 % jitter).
 */
export const defaultRetry: RetryBackoff = Object.freeze({
  steps: 5,
  durationMs: 10,
  factor: 1,
  jitter: 0.1,
});

/**
 * client-go's `retry.DefaultBackoff`, for conflicts on objects other controllers also write:
 * 4 attempts, waits of 10, 50 and 250 ms (+ up to 10 % jitter).
 */
export const defaultBackoff: RetryBackoff = Object.freeze({
  steps: 4,
  durationMs: 10,
  factor: 5,
  jitter: 0.1,
});

/** Options of {@link retryOnConflict} and {@link retryOnError}. */
export interface RetryOptions {
  /** The backoff between attempts. Default: {@link defaultRetry}. */
  backoff?: RetryBackoff;
  /** Aborts the waits between attempts (the pending wait rejects with `AbortedError`). */
  signal?: AbortSignal;
  /** The clock the waits run on. Default: the real clock. */
  clock?: Clock;
  /** Source of randomness for the jitter, in [0, 1). Default: `Math.random`. */
  random?: () => number;
}

/**
 * Runs `fn` until it succeeds, it throws something `isRetriable` refuses, or the backoff's steps
 * are used up; then resolves with its result or rejects with its last error (client-go
 * `retry.OnError`). `fn` receives the attempt number, from 1.
 *
 * @throws ControllerOptionsError when `backoff.steps` is below 1 or a duration is negative.
 * @throws AbortedError when `signal` aborts during a wait.
 */
export async function retryOnError<R>(
  isRetriable: (err: unknown) => boolean,
  fn: (attempt: number) => R | Promise<R>,
  options: RetryOptions = {},
): Promise<R> {
  const backoff = options.backoff ?? defaultRetry;
  validate(backoff);
  const clock = options.clock ?? realClock;
  const random = options.random ?? Math.random;
  let waitMs = backoff.durationMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= backoff.steps || !isRetriable(err)) throw toError(err);
    }
    const base = backoff.capMs === undefined ? waitMs : Math.min(waitMs, backoff.capMs);
    const jittered = backoff.jitter > 0 ? base + random() * backoff.jitter * base : base;
    await sleep(jittered, { clock, ...(options.signal ? { signal: options.signal } : {}) });
    waitMs *= backoff.factor;
  }
}

/**
 * Runs `fn` again while it fails with a 409 Conflict (a stale `resourceVersion`), with client-go's
 * `DefaultRetry` unless told otherwise (client-go `retry.RetryOnConflict`). `fn` must read the
 * latest object on every attempt — from the server, or a cache that has caught up — apply its
 * change and write: retrying the same stale write only conflicts again.
 *
 * @returns what `fn` returned on the attempt that succeeded.
 * @throws the last error when it is not a conflict or the attempts are used up.
 * @throws AbortedError when `signal` aborts during a wait.
 */
export function retryOnConflict<R>(
  fn: (attempt: number) => R | Promise<R>,
  options: RetryOptions = {},
): Promise<R> {
  return retryOnError(isConflictError, fn, options);
}

function validate(b: RetryBackoff): void {
  if (!Number.isInteger(b.steps) || b.steps < 1) {
    throw new ControllerOptionsError('backoff.steps', `expected an integer ≥ 1, got ${b.steps}`);
  }
  for (const [field, value] of [
    ['durationMs', b.durationMs],
    ['factor', b.factor],
    ['jitter', b.jitter],
  ] as const) {
    if (!Number.isFinite(value) || value < 0) {
      throw new ControllerOptionsError(
        `backoff.${field}`,
        `expected a finite number ≥ 0, got ${value}`,
      );
    }
  }
}

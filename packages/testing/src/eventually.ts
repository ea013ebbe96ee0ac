// A polling assertion helper for tests against the in-process API server, where effects such as
// garbage collection or an informer catching up happen a little later.

/** Options of {@link eventually}. */
export interface EventuallyOptions {
  /** Give up after this many ms and throw the last failure. Default: 5000. */
  timeoutMs?: number;
  /** Wait between attempts, in ms. Default: 10. */
  intervalMs?: number;
}

/**
 * Calls `fn` until it returns (or resolves) without throwing, and returns its result; after
 * `timeoutMs` rethrows the last error (e.g. the last failed `expect`). `fn` may be async.
 *
 * ```ts
 * await eventually(() => expect(server.get('pods', 'ns', 'p')).toBeUndefined(), { timeoutMs: 2000 });
 * ```
 */
export async function eventually<T>(
  fn: () => T | Promise<T>,
  options: EventuallyOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const intervalMs = options.intervalMs ?? 10;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() >= deadline) {
        if (err instanceof Error) {
          err.message = `eventually: still failing after ${timeoutMs} ms: ${err.message}`;
          throw err;
        }
        throw new Error(`eventually: still failing after ${timeoutMs} ms`, { cause: err });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

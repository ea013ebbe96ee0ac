// A polling assertion helper for tests against the in-process API server, where effects such as
// garbage collection or an informer catching up happen a little later.

/**
 * The default `timeoutMs` of {@link eventually}: a second less than the 5 s default test timeout
 * of vitest (and Jest), so that a wait that never succeeds fails with eventually's error, which carries the
 * last failure, rather than the runner's "Test timed out in 5000ms", which carries none.
 */
const defaultTimeoutMs = 4000;

/** Options of {@link eventually}. */
export interface EventuallyOptions {
  /**
   * Give up after this many ms and throw the last failure. Default: 4000, below vitest's default
   * test timeout (5000) so that the last failure is what a failing test reports. Waiting longer
   * needs a longer test timeout too (vitest's `testTimeout` or the test's `timeout` option), else
   * the runner's timeout fires first and the last failure is lost.
   */
  timeoutMs?: number;
  /** Wait between attempts, in ms. Default: 10. */
  intervalMs?: number;
}

/**
 * Calls `fn` until it returns (or resolves) without throwing, and returns its result; after
 * `timeoutMs` (default 4000) rethrows the last error (e.g. the last failed `expect`), its message
 * prefixed `eventually: still failing after <timeoutMs> ms: `; a thrown non-Error becomes the
 * `cause` of an Error with that message followed by the value (as `String(value)`, at most 200
 * characters), since runners print an Error's message but not always its cause. `fn` may be async.
 *
 * ```ts
 * await eventually(() => expect(server.get('pods', 'ns', 'p')).toBeUndefined(), { timeoutMs: 2000 });
 * ```
 */
export async function eventually<T>(
  fn: () => T | Promise<T>,
  options: EventuallyOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
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
        throw new Error(`eventually: still failing after ${timeoutMs} ms: ${describe(err)}`, {
          cause: err,
        });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A thrown non-Error as text for the message: `String(value)`, at most 200 characters. */
function describe(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * Branded errors. Every kubecache error class carries a `Symbol.for(...)` brand besides its class,
 * because independently versioned packages can be installed twice side by side and `instanceof`
 * then fails across the copies. Guards check the brand.
 */

/** Returns true when `value` is an object carrying the given global-symbol brand. */
export function hasBrand(value: unknown, brand: symbol): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[brand] === true
  );
}

const abortBrand = Symbol.for('@kubecache/core/AbortedError');

/**
 * Thrown (or rejected with) when an operation stops because its `AbortSignal` fired. `cause` is
 * the signal's `reason`.
 */
export class AbortedError extends Error {
  override readonly name = 'AbortedError';
  readonly [abortBrand] = true;
  constructor(message = 'The operation was aborted', options?: ErrorOptions) {
    super(message, options);
  }
}

/** True for {@link AbortedError} and for DOM-style `AbortError`s raised by Node built-ins. */
export function isAbortError(err: unknown): boolean {
  if (hasBrand(err, abortBrand)) return true;
  return (
    typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError'
  );
}

/** Throws an {@link AbortedError} when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError(undefined, { cause: signal.reason });
}

/** Turns anything thrown into an `Error` without losing it (non-errors become the `cause`). */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : 'Non-error thrown', { cause: value });
}

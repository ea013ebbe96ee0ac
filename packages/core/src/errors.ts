/**
 * Branded errors. Every kubecache error class carries a `Symbol.for(...)` brand besides its class,
 * because independently versioned packages can be installed twice side by side and `instanceof`
 * then fails across the copies. Guards check the brand.
 */
import { describeError } from './describe-error.js';

/**
 * The brand of an error that retrying cannot fix, set by the package that throws it (a
 * transform's `SharedObjectWriteError`, for one): `err[permanentErrorBrand] === true`. The
 * Reflector reports such an error as "will not fix itself" and, with `onPermanentError: 'stop'`,
 * stops on it, as it does for a 404 or a 401. A `Symbol.for` key, so the mark works across
 * duplicate package copies.
 */
export const permanentErrorBrand: unique symbol = Symbol.for('@kubecache/core/PermanentError');

/** True for an error marked with {@link permanentErrorBrand}; false for anything else. */
export function isMarkedPermanent(err: unknown): boolean {
  return hasBrand(err, permanentErrorBrand);
}

/** Returns true when `value` is an object carrying the given global-symbol brand. */
export function hasBrand(value: unknown, brand: symbol): boolean {
  if (typeof value !== 'object' || value === null) return false;
  try {
    return (value as Record<symbol, unknown>)[brand] === true;
  } catch {
    return false; // a revoked Proxy or a throwing trap carries no brand
  }
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
  if (typeof err !== 'object' || err === null) return false;
  try {
    return (err as { name?: unknown }).name === 'AbortError';
  } catch {
    return false;
  }
}

/** Throws an {@link AbortedError} when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError(undefined, { cause: signal.reason });
}

const nonErrorBrand = Symbol.for('@kubecache/core/NonErrorThrown');

/** True for an Error whose `name`, `message`, `stack` and `cause` can be read without throwing. */
function isReadableError(value: unknown): value is Error {
  try {
    if (!(value instanceof Error)) return false;
    const { name, message, stack } = value;
    Reflect.get(value, 'cause'); // read once: its getter may throw
    return (
      typeof name === 'string' &&
      typeof message === 'string' &&
      (stack === undefined || typeof stack === 'string')
    );
  } catch {
    return false;
  }
}

/**
 * Turns anything thrown into an `Error` without losing it. An `Error` whose `name`, `message`,
 * `stack` and `cause` can be read is returned as is; anything else (a string, `null`, a symbol,
 * a plain object, a revoked Proxy, an Error whose getters throw) becomes a new `Error` whose
 * message is {@link describeError} of the value (one redacted line of bounded length, e.g.
 * `null`, `Symbol(x)`, `{"code":7}`, `[object that cannot be inspected]`) and whose `cause` is
 * the value itself. The new Error carries a kubecache brand, so the default logger does not
 * print its stack (which shows where kubecache caught the value, not where it was thrown).
 *
 * @param value - anything thrown or rejected with.
 * @returns an Error that is safe to read; never throws.
 */
export function toError(value: unknown): Error {
  if (isReadableError(value)) return value;
  const wrapper = new Error(describeError(value), { cause: value });
  // Its stack is where kubecache caught the value, not where it was thrown: loggers skip it.
  Object.defineProperty(wrapper, nonErrorBrand, { value: true });
  return wrapper;
}

// Total handling of what user code hands the runtime: the value a reconcile throws or returns,
// a hook or error policy that throws, a logger that throws on what it is asked to print. Nothing
// here inspects a value outside a try: a revoked Proxy throws on every inspection (`instanceof`,
// property reads, `typeof` excepted), a getter or `toString` may throw, an object may be circular
// or huge. controller-runtime recovers panics in Reconcile (pkg/internal/controller
// reconcileHandler); this is the JavaScript counterpart for the runtime's own error path.
import type { LogLevel, Logger } from '@kubecache/core';

/** Longest description of a non-Error value, in characters. */
const maxDescription = 200;

/** A short description of `value` that never throws and never walks a large object. */
export function describeValue(value: unknown): string {
  try {
    switch (typeof value) {
      case 'undefined':
        return 'undefined';
      case 'string':
        return truncate(JSON.stringify(truncate(value)));
      case 'number':
      case 'boolean':
      case 'bigint':
      case 'symbol':
        return String(value);
      case 'function':
        return 'a function';
      case 'object':
        break;
    }
    if (value === null) return 'null';
    const tag = Object.prototype.toString.call(value); // throws on a revoked Proxy
    const keys = Object.keys(value);
    const shown = keys.slice(0, 5).join(', ');
    return truncate(
      `${tag} with ${String(keys.length)} key${keys.length === 1 ? '' : 's'}${shown === '' ? '' : ` (${shown}${keys.length > 5 ? ', …' : ''})`}`,
    );
  } catch {
    return 'a value that cannot be inspected';
  }
}

function truncate(s: string): string {
  return s.length <= maxDescription ? s : `${s.slice(0, maxDescription)}…`;
}

/**
 * An `Error` for whatever was thrown, that the runtime can read, log and hand to the error
 * policy: the thrown `Error` itself when its `name`, `message` and `stack` read as strings;
 * otherwise a new `Error` describing the value (`reconcile threw <what>`), with the value as
 * `cause` only when it could be inspected. Never throws.
 */
export function errorOf(thrown: unknown, what = 'reconcile threw'): Error {
  let isError: boolean;
  try {
    isError = thrown instanceof Error; // a revoked Proxy throws here
  } catch {
    return new Error(`${what} a value that cannot be inspected`);
  }
  if (isError) {
    try {
      const { name, message, stack } = thrown as Error;
      if (
        typeof name === 'string' &&
        typeof message === 'string' &&
        (stack === undefined || typeof stack === 'string')
      ) {
        return thrown as Error;
      }
      return new Error(`${what} an Error whose name, message or stack is not a string`);
    } catch {
      return new Error(`${what} an Error that cannot be inspected`);
    }
  }
  if (typeof thrown === 'string') return new Error(thrown.slice(0, 10_000));
  const description = describeValue(thrown);
  if (description === 'a value that cannot be inspected')
    return new Error(`${what} ${description}`);
  return new Error(`${what} a non-Error value: ${description}`, { cause: thrown });
}

/**
 * Calls `logger[level](fields, msg)`; when that throws (a logger serialising a hostile `err`),
 * logs again with `err` replaced by its description; when that throws too, gives up silently —
 * the runtime's handling of the failure goes on.
 */
export function safeLog(
  logger: Logger,
  level: LogLevel,
  fields: Record<string, unknown>,
  msg: string,
): void {
  try {
    logger[level](fields, msg);
    return;
  } catch {
    // below
  }
  try {
    const { err, ...rest } = fields;
    let detail = 'an error that cannot be printed';
    try {
      detail = err instanceof Error ? `${err.name}: ${err.message}` : describeValue(err);
    } catch {
      // keep the default
    }
    logger[level]({ ...rest, ...(err !== undefined ? { error: detail.slice(0, 1000) } : {}) }, msg);
  } catch {
    // A logger that throws on plain strings: nothing left to print with.
  }
}

/** Runs `fn`; returns what it threw (as {@link errorOf}) or `undefined`. */
export function attempt(fn: () => void): Error | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return errorOf(err, 'threw');
  }
}

// Errors of @kubecache/workqueue. client-go panics or misbehaves on bad arguments (a negative
// burst, a NaN duration cannot even be expressed); here they are reported as a typed error.
import { hasBrand } from '@kubecache/core';

const invalidArgumentBrand = Symbol.for('@kubecache/workqueue/InvalidArgumentError');

/**
 * Thrown synchronously when a queue or rate limiter gets an argument it cannot honour: a delay
 * option that is not a finite number ≥ 0, a rate ≤ 0, a burst that is not an integer ≥ 1, and
 * the like. A `TypeError` (so `err instanceof TypeError` holds), with the stable `name`
 * `'InvalidArgumentError'`. The message is `<argument>: <what was expected>, got <value>`, for
 * example `baseDelayMs: expected a finite number ≥ 0, got NaN`; `argument` names the offending
 * option; `cause` is the rejected value.
 */
export class InvalidArgumentError extends TypeError {
  override readonly name = 'InvalidArgumentError';
  readonly [invalidArgumentBrand] = true;
  /** The name of the argument or option that was rejected. */
  readonly argument: string;

  constructor(argument: string, message: string, options?: ErrorOptions) {
    super(`${argument}: ${message}`, options);
    this.argument = argument;
  }
}

/** True when `err` is an {@link InvalidArgumentError} (from any copy of this package). */
export function isInvalidArgumentError(err: unknown): err is InvalidArgumentError {
  return hasBrand(err, invalidArgumentBrand);
}

/**
 * How a rejected value is shown in an error message. Never throws, whatever the value is (a
 * revoked Proxy, an object whose `toString` throws): only numbers, short strings, booleans,
 * bigints, `null` and `undefined` are printed; anything else is named by its type.
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'bigint':
      return `${value.toString()}n`;
    case 'string':
      return value.length <= 40
        ? JSON.stringify(value)
        : `a string of ${String(value.length)} characters`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    case 'object':
      return value === null ? 'null' : 'an object';
    default:
      return 'a value';
  }
}

/**
 * Throws {@link InvalidArgumentError} unless `value` is a finite number (≥ `min` when given),
 * with the message `<argument>: expected a finite number[ ≥ min], got <value>`.
 */
export function requireFiniteNumber(argument: string, value: unknown, min?: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || (min !== undefined && value < min)) {
    const bound = min === undefined ? '' : ` ≥ ${String(min)}`;
    throw new InvalidArgumentError(
      argument,
      `expected a finite number${bound}, got ${describeValue(value)}`,
      { cause: value },
    );
  }
}

/** Throws {@link InvalidArgumentError} unless `value` is an integer ≥ `min` (finite). */
export function requireInteger(argument: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(
      argument,
      `expected an integer ≥ ${String(min)}, got ${describeValue(value)}`,
      { cause: value },
    );
  }
}

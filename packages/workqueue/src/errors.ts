// Errors of @kubecache/workqueue. client-go panics or misbehaves on bad arguments (a negative
// burst, a NaN duration cannot even be expressed); here they are reported as a typed error.
import { hasBrand } from '@kubecache/core';

const invalidArgumentBrand = Symbol.for('@kubecache/workqueue/InvalidArgumentError');

/**
 * Thrown synchronously when a queue or rate limiter gets an argument it cannot honour: a delay
 * that is not a finite number, a non-positive rate, a burst below 1, and the like. `argument`
 * names the offending option; `cause` is the rejected value.
 */
export class InvalidArgumentError extends Error {
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

/** Throws {@link InvalidArgumentError} unless `value` is a finite number (≥ `min` when given). */
export function requireFiniteNumber(argument: string, value: number, min?: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgumentError(argument, `expected a finite number, got ${String(value)}`, {
      cause: value,
    });
  }
  if (min !== undefined && value < min) {
    throw new InvalidArgumentError(
      argument,
      `expected a number ≥ ${String(min)}, got ${String(value)}`,
      {
        cause: value,
      },
    );
  }
}

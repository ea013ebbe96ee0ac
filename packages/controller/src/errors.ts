// Typed errors of the controller runtime, and the conflict classifier its helpers retry on.
import { hasBrand, matchesStatusReason, summarizeError } from '@kubecache/core';

const optionsBrand = Symbol.for('@kubecache/controller/ControllerOptionsError');

/**
 * Thrown by `createController` (and the helpers) for options that cannot work: a missing name or
 * reconciler, a concurrency below 1, a negative timeout, an empty finalizer name.
 */
export class ControllerOptionsError extends Error {
  override readonly name = 'ControllerOptionsError';
  readonly [optionsBrand] = true;
  /** The option at fault, e.g. `concurrency`. */
  readonly option: string;
  /**
   * @param option - the option at fault.
   * @param message - what is wrong with it.
   */
  constructor(option: string, message: string, options?: ErrorOptions) {
    super(`${option}: ${message}`, options);
    this.option = option;
  }
}

/** Type guard for {@link ControllerOptionsError} (brand-based: works across duplicate copies). */
export function isControllerOptionsError(err: unknown): err is ControllerOptionsError {
  return hasBrand(err, optionsBrand);
}

// apimachinery's rule: a 409 or 404 with a reason it does not know (an empty one, or a proxy's)
// is classified by its code alone, as errors.IsConflict / IsNotFound do.
function classify(err: unknown, reason: string, code: number): boolean {
  return matchesStatusReason(summarizeError(err), reason, code);
}

/**
 * True when `err` is a 409 Conflict answer — a stale `resourceVersion` precondition — as
 * apimachinery's `errors.IsConflict`: reason `Conflict`, or code 409 with a reason that is not a
 * known one. A 409 `AlreadyExists` is not a conflict. Reads kubecache's `ApiStatusError`,
 * client-node's `ApiException` (its Status body), a Status object, and errors carrying either as
 * `cause`.
 */
export function isConflictError(err: unknown): boolean {
  return classify(err, 'Conflict', 409);
}

/** True when `err` is a 404 NotFound answer (apimachinery `errors.IsNotFound`). */
export function isNotFoundError(err: unknown): boolean {
  return classify(err, 'NotFound', 404);
}

/** True when `err` is a 409 AlreadyExists answer (apimachinery `errors.IsAlreadyExists`). */
export function isAlreadyExistsError(err: unknown): boolean {
  return summarizeError(err).reason === 'AlreadyExists';
}

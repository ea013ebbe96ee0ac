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

const failedBrand = Symbol.for('@kubecache/controller/ControllerFailedError');

/**
 * Why a controller stopped working on its own (see {@link ControllerFailedError}):
 * - `'workers'`: a worker loop died of an internal error (the queue or its rate limiter threw);
 * - `'informer'`: an informer stopped after the caches synced (`onPermanentError: 'stop'`, or
 *   someone stopped it);
 * - `'wedged'`: a reconcile kept running `stuckReconcileMs` after its signal aborted;
 * - `'sharding'`: a sharded controller lost its shard Lease (renewals failed until the renew
 *   deadline, or the Lease was taken over or deleted), or its sharder failed.
 */
export type ControllerFailureReason = 'workers' | 'informer' | 'wedged' | 'sharding';

/**
 * `run` rejects with this when the controller cannot do its work any more, after it stopped
 * what it started (and, with leader election, ended its term). controller-runtime's manager
 * stops when any runnable returns an error; a process should exit non-zero on it so that its
 * Deployment restarts it.
 */
export class ControllerFailedError extends Error {
  override readonly name = 'ControllerFailedError';
  readonly [failedBrand] = true;
  /** The controller's name. */
  readonly controller: string;
  /** What failed. */
  readonly reason: ControllerFailureReason;
  /**
   * @param controller - the controller's name.
   * @param reason - what failed.
   * @param message - one line saying how (prefixed with `controller <name> failed (<reason>): `).
   * @param options - `cause`: the error behind it.
   */
  constructor(
    controller: string,
    reason: ControllerFailureReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`controller ${controller} failed (${reason}): ${message}`, options);
    this.controller = controller;
    this.reason = reason;
  }
}

/** Type guard for {@link ControllerFailedError} (brand-based: works across duplicate copies). */
export function isControllerFailedError(err: unknown): err is ControllerFailedError {
  try {
    return hasBrand(err, failedBrand);
  } catch {
    return false; // a revoked Proxy
  }
}

const timeoutBrand = Symbol.for('@kubecache/controller/ReconcileTimeoutError');

/**
 * The abort reason of a reconcile's `signal` when the reconcile ran longer than
 * `reconcileTimeoutMs` (controller-runtime's `ReconciliationTimeout`).
 */
export class ReconcileTimeoutError extends Error {
  override readonly name = 'ReconcileTimeoutError';
  readonly [timeoutBrand] = true;
  /** The `namespace/name` key being reconciled. */
  readonly key: string;
  /** The timeout that passed, in ms. */
  readonly timeoutMs: number;
  /**
   * @param key - the key being reconciled.
   * @param timeoutMs - the timeout that passed, in ms.
   */
  constructor(key: string, timeoutMs: number) {
    super(`reconcile of ${key} exceeded reconcileTimeoutMs (${String(timeoutMs)} ms)`);
    this.key = key;
    this.timeoutMs = timeoutMs;
  }
}

/** Type guard for {@link ReconcileTimeoutError} (brand-based). */
export function isReconcileTimeoutError(err: unknown): err is ReconcileTimeoutError {
  try {
    return hasBrand(err, timeoutBrand);
  } catch {
    return false;
  }
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

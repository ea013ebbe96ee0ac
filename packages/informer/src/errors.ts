// Typed errors of the informer package (name + brand + guard: `instanceof` fails across two
// copies of the package).
import { hasBrand } from '@kubecache/core';

const informerStoppedBrand = Symbol.for('@kubecache/informer/InformerStoppedError');

/**
 * The informer has stopped, so it takes no new handlers or indexers (client-go's
 * `AddEventHandler` / `AddIndexers` errors after `Run` returned). A stopped informer never runs
 * again: make a new one.
 */
export class InformerStoppedError extends Error {
  override readonly name = 'InformerStoppedError';
  readonly [informerStoppedBrand] = true;
  /** What was refused: `addEventHandler` or `addIndexers`. */
  readonly operation: 'addEventHandler' | 'addIndexers';
  constructor(operation: 'addEventHandler' | 'addIndexers', options?: ErrorOptions) {
    super(`${operation}: the informer has stopped`, options);
    this.operation = operation;
  }
}

/** Type guard for {@link InformerStoppedError}. */
export function isInformerStoppedError(err: unknown): err is InformerStoppedError {
  return hasBrand(err, informerStoppedBrand);
}

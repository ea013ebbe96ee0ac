// The `context.client` of a controller created without `kubeConfig`: a Client whose every call
// rejects with a ControllerOptionsError naming the option, so that a reconcile learns at its
// first write what is missing (rather than from an `undefined` it was typed not to be).
import type { Client } from './client.js';
import { ControllerOptionsError } from './errors.js';

/**
 * A {@link Client} whose every request method rejects with a `ControllerOptionsError`
 * (option `kubeConfig`); `close()` does nothing and `fieldManager` is `''`.
 */
export function missingClient(controller: string): Client {
  const fail = (): Promise<never> =>
    Promise.reject(
      new ControllerOptionsError(
        'kubeConfig',
        `controller ${controller} has no client: pass kubeConfig to createController`,
      ),
    );
  return {
    fieldManager: '',
    get: fail,
    list: fail,
    create: fail,
    update: fail,
    patch: fail,
    apply: fail,
    delete: fail,
    updateStatus: fail,
    patchStatus: fail,
    applyStatus: fail,
    close: () => undefined,
  };
}

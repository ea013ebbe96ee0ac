// What the informer does with frozen objects: the ListWatch of @kubecache/listwatch shares
// identical `managedFields[].fieldsV1` values between objects as deep-frozen objects
// (`shareFieldsV1`), and `freezeObjects` (a development option) freezes whole cached objects.
// A transform or handler writing into one gets a TypeError from JavaScript (strict mode); a
// transform's is rethrown here as a SharedObjectWriteError that says why and what to do.
import { hasBrand, permanentErrorBrand, type KubeObject } from '@kubecache/core';
import { deepFreeze } from '@kubecache/listwatch';
import type { TransformFunc } from '@kubecache/store';

const sharedObjectWriteBrand = Symbol.for('@kubecache/informer/SharedObjectWriteError');

/**
 * A transform wrote into a frozen part of an object: a `managedFields[].fieldsV1` value the
 * ListWatch shares between objects (`shareFieldsV1`, on by default), or, with `freezeObjects`,
 * anything of an object the cache already holds. The list or watch event fails like any
 * transform failure; the error is marked permanent (core's `permanentErrorBrand`), so the
 * Reflector reports it as "will not fix itself" at error level and, with `onPermanentError:
 * 'stop'`, stops. `cause` is JavaScript's TypeError.
 *
 * Differs from client-go, whose objects are never frozen (writing into a cached object there
 * corrupts the cache silently instead).
 */
export class SharedObjectWriteError extends TypeError {
  override readonly name = 'SharedObjectWriteError';
  readonly [sharedObjectWriteBrand] = true;
  /** Retrying cannot fix it: the Reflector reports it as "will not fix itself". */
  readonly [permanentErrorBrand] = true;
  constructor(cause: TypeError) {
    super(
      `transform wrote into a frozen object (${cause.message}): managedFields[].fieldsV1 values ` +
        'are shared between objects and deep-frozen by the ListWatch (shareFieldsV1); replace ' +
        'entry.fieldsV1 instead of writing into it, skip frozen objects (Object.isFrozen), or ' +
        'create the ListWatch with shareFieldsV1: false',
      { cause },
    );
  }
}

/** Type guard for {@link SharedObjectWriteError}. */
export function isSharedObjectWriteError(err: unknown): err is SharedObjectWriteError {
  return hasBrand(err, sharedObjectWriteBrand);
}

/** V8's messages for a write into a frozen or sealed object. */
const frozenWrite = /read only property|object is not extensible|Cannot delete property/;

/**
 * The `hint` the informer logs with a handler's failure when it is a write into a frozen object
 * (JavaScript's TypeError), else undefined: handlers must not write into cached objects (client-go
 * forbids it too), and the shared `managedFields[].fieldsV1` values are frozen.
 */
export function frozenWriteHint(err: unknown): string | undefined {
  let message: unknown;
  try {
    message = err instanceof TypeError ? err.message : undefined;
  } catch {
    return undefined;
  }
  if (typeof message !== 'string' || !frozenWrite.test(message)) return undefined;
  return (
    'the handler wrote into a frozen part of a cached object: cached objects are shared with ' +
    'the cache and other handlers (managedFields[].fieldsV1 values are deep-frozen by the ' +
    'ListWatch, shareFieldsV1; everything is with freezeObjects); copy the object first ' +
    '(structuredClone) and write into the copy'
  );
}

/**
 * The transform the informer's queue applies: the user's `transform` (its TypeError for a write
 * into a frozen object rethrown as {@link SharedObjectWriteError}), then, with `freeze`, a deep
 * freeze of the result. Undefined when there is neither.
 */
export function informerTransform<T = KubeObject>(
  transform: TransformFunc<T> | undefined,
  freeze: boolean,
): TransformFunc<T> | undefined {
  const guarded: TransformFunc<T> | undefined =
    transform === undefined
      ? undefined
      : (obj) => {
          try {
            return transform(obj);
          } catch (err) {
            if (err instanceof TypeError && frozenWrite.test(err.message)) {
              throw new SharedObjectWriteError(err);
            }
            throw err;
          }
        };
  if (!freeze) return guarded;
  return guarded === undefined ? (obj) => deepFreeze(obj) : (obj) => deepFreeze(guarded(obj));
}

/** `{ hint }` for a log line about a handler's failure (see {@link frozenWriteHint}), or `{}`. */
export function hintFor(err: unknown): { hint?: string } {
  const hint = frozenWriteHint(err);
  return hint === undefined ? {} : { hint };
}

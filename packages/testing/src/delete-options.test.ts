import { describe, expect, it } from 'vitest';
import {
  checkDeletePreconditions,
  finalizersOnDelete,
  FOREGROUND_FINALIZER,
  ORPHAN_FINALIZER,
} from './delete-options.js';
import { isServerApiError } from './status.js';

const meta = { name: 'a', uid: 'u1', resourceVersion: '7', finalizers: ['example.com/x'] };
const thrown = (fn: () => void): { code: number; message: string } | undefined => {
  try {
    fn();
  } catch (err) {
    if (isServerApiError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  return undefined;
};

describe('checkDeletePreconditions', () => {
  it('passes matching preconditions and answers 409 naming both values otherwise', () => {
    expect(
      thrown(() =>
        checkDeletePreconditions('configmaps', 'a', meta, {
          preconditions: { uid: 'u1', resourceVersion: '7' },
        }),
      ),
    ).toBeUndefined();
    expect(
      thrown(() =>
        checkDeletePreconditions('configmaps', 'a', meta, { preconditions: { uid: 'u2' } }),
      ),
    ).toMatchObject({
      code: 409,
      message: expect.stringContaining('UID in precondition: u2, UID in object meta: u1'),
    });
    expect(
      thrown(() =>
        checkDeletePreconditions('configmaps', 'a', meta, {
          preconditions: { resourceVersion: '6' },
        }),
      ),
    ).toMatchObject({
      code: 409,
      message: expect.stringContaining(
        'ResourceVersion in precondition: 6, ResourceVersion in object meta: 7',
      ),
    });
  });
});

describe('finalizersOnDelete', () => {
  it("adds the propagation policy's finalizer once, after the object's own", () => {
    expect(finalizersOnDelete(meta, {})).toEqual(['example.com/x']);
    expect(finalizersOnDelete(meta, { propagationPolicy: 'Background' })).toEqual([
      'example.com/x',
    ]);
    expect(finalizersOnDelete(meta, { propagationPolicy: 'Orphan' })).toEqual([
      'example.com/x',
      ORPHAN_FINALIZER,
    ]);
    const deleting = { ...meta, finalizers: [FOREGROUND_FINALIZER] };
    expect(finalizersOnDelete(deleting, { propagationPolicy: 'Foreground' })).toEqual([
      FOREGROUND_FINALIZER,
    ]);
  });
});

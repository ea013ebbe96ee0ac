import { describe, expect, it } from 'vitest';
import { sameObjectVersion } from './object-version.js';

const o = (uid: string | undefined, resourceVersion: string | undefined) => ({
  metadata: { name: 'p', ...(uid ? { uid } : {}), ...(resourceVersion ? { resourceVersion } : {}) },
});

describe('sameObjectVersion', () => {
  it('needs both the uid and the resourceVersion to match', () => {
    expect(sameObjectVersion(o('u1', '5'), o('u1', '5'))).toBe(true);
    expect(sameObjectVersion(o('u1', '5'), o('u1', '6'))).toBe(false);
    expect(sameObjectVersion(o('u1', '5'), o('u2', '5'))).toBe(false); // recreated after a restore
  });

  it('compares by resourceVersion alone when neither object has a uid, and treats missing values as empty', () => {
    expect(sameObjectVersion(o(undefined, '5'), o(undefined, '5'))).toBe(true);
    expect(sameObjectVersion(o('u1', '5'), o(undefined, '5'))).toBe(false);
    expect(sameObjectVersion(o(undefined, undefined), o(undefined, undefined))).toBe(true);
    expect(sameObjectVersion(null, undefined)).toBe(true);
  });
});

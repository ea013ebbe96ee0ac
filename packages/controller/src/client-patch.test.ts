import { describe, expect, it } from 'vitest';
import {
  encodePatch,
  jsonPatch,
  mergePatch,
  patchContentTypes,
  strategicMergePatch,
  type Patch,
} from './client-patch.js';

describe('encodePatch', () => {
  it('gives each patch type the content type kube-apiserver accepts and its body', () => {
    expect(encodePatch(mergePatch({ spec: { a: null } }))).toEqual({
      contentType: 'application/merge-patch+json',
      body: { spec: { a: null } },
    });
    expect(encodePatch(strategicMergePatch({ data: { b: '1' } }))).toEqual({
      contentType: 'application/strategic-merge-patch+json',
      body: { data: { b: '1' } },
    });
    expect(encodePatch(jsonPatch([{ op: 'remove', path: '/x' }]))).toEqual({
      contentType: 'application/json-patch+json',
      body: [{ op: 'remove', path: '/x' }],
    });
    expect(patchContentTypes.apply).toBe('application/apply-patch+yaml');
  });

  it('throws TypeError for an unknown patch type (a JavaScript caller)', () => {
    expect(() => encodePatch({ type: 'apply', data: {} } as unknown as Patch)).toThrow(
      /unknown patch type "apply"/,
    );
  });
});

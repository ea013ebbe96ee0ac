import { describe, expect, it } from 'vitest';
import { jsonPatch, mergePatch } from './patches.js';
import { isServerApiError } from './status.js';

const code = (fn: () => unknown): number | undefined => {
  try {
    fn();
  } catch (err) {
    if (isServerApiError(err)) return err.code;
    throw err;
  }
  return undefined;
};

describe('mergePatch (RFC 7386)', () => {
  it('merges objects recursively, deletes null members and replaces arrays and scalars', () => {
    expect(
      mergePatch({ a: 1, b: { c: 2, d: 3 }, e: [1, 2] }, { b: { c: null, x: 1 }, e: [3] }),
    ).toEqual({
      a: 1,
      b: { d: 3, x: 1 },
      e: [3],
    });
    expect(mergePatch({ a: 1 }, 'scalar')).toBe('scalar');
    expect(mergePatch('scalar', { a: { b: null } })).toEqual({ a: {} });
  });
});

describe('jsonPatch (RFC 6902)', () => {
  it('adds, replaces, removes, moves, copies and tests, with ~ escapes', () => {
    const doc = { a: { 'x/y': 1, list: [1, 3] }, b: 'old' };
    expect(
      jsonPatch(doc, [
        { op: 'add', path: '/a/list/1', value: 2 },
        { op: 'add', path: '/a/list/-', value: 4 },
        { op: 'replace', path: '/b', value: 'new' },
        { op: 'copy', from: '/b', path: '/c' },
        { op: 'move', from: '/a/x~1y', path: '/moved' },
        { op: 'remove', path: '/c' },
        { op: 'test', path: '/b', value: 'new' },
      ]),
    ).toEqual({ a: { list: [1, 2, 3, 4] }, b: 'new', moved: 1 });
    expect(doc.a.list).toEqual([1, 3]);
  });

  it('answers 422 for missing paths and failed tests', () => {
    expect(code(() => jsonPatch({}, [{ op: 'replace', path: '/nope', value: 1 }]))).toBe(422);
    expect(code(() => jsonPatch({}, [{ op: 'remove', path: '/nope' }]))).toBe(422);
    expect(code(() => jsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }]))).toBe(422);
    expect(code(() => jsonPatch({}, [{ op: 'add', path: 'no-slash', value: 1 }]))).toBe(422);
  });
});

import { describe, expect, it } from 'vitest';
import { jsonPatch, mergePatch, strategicMergePatch } from './patches.js';
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

describe('strategicMergePatch (schema-free subset)', () => {
  it('merges a list by the key of its $setElementOrder, deletes with $patch: delete and follows the order', () => {
    const target = {
      containers: [
        { name: 'a', image: 'a:1', ports: [{ containerPort: 80 }] },
        { name: 'b', image: 'b:1' },
        { name: 'c', image: 'c:1' },
      ],
    };
    const patch = {
      '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }],
      containers: [
        { name: 'a', image: 'a:2' },
        { name: 'b', $patch: 'delete' },
      ],
    };
    expect(strategicMergePatch(target, patch)).toEqual({
      containers: [
        { name: 'c', image: 'c:1' },
        { name: 'a', image: 'a:2', ports: [{ containerPort: 80 }] },
      ],
    });
  });

  it('merges primitive lists with an order as sets, minus $deleteFromPrimitiveList', () => {
    expect(
      strategicMergePatch(
        { finalizers: ['x', 'y'] },
        {
          '$setElementOrder/finalizers': ['y', 'z'],
          '$deleteFromPrimitiveList/finalizers': ['x'],
          finalizers: ['z'],
        },
      ),
    ).toEqual({ finalizers: ['y', 'z'] });
  });

  it('replaces lists without an order, honours $patch: replace / delete on maps and drops directives', () => {
    expect(
      strategicMergePatch(
        { a: [1, 2], m: { x: 1, y: 2 }, n: { z: 1 }, k: 1 },
        { a: [3], m: { $patch: 'replace', y: 3 }, n: { $patch: 'delete' }, k: null },
      ),
    ).toEqual({ a: [3], m: { y: 3 } });
  });
});

import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@kubecache/core';
import { makePod } from '@kubecache/testing';
import { composeTransforms, createStringInterner, stripManagedFields } from './transforms.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapAfterGc = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const fresh = (i: number): KubeObject =>
  JSON.parse(JSON.stringify(makePod({ namespace: 'ns', name: `p${i}`, index: i }))) as KubeObject;

describe('stripManagedFields', () => {
  it('drops managedFields without touching the input, and returns objects without it as they are', () => {
    const pod = fresh(0);
    expect(pod.metadata?.managedFields).toBeDefined();
    const out = stripManagedFields(pod);
    expect(out.metadata?.managedFields).toBeUndefined();
    expect(pod.metadata?.managedFields).toBeDefined();
    expect({ ...out.metadata, managedFields: pod.metadata?.managedFields }).toEqual(pod.metadata);
    expect(stripManagedFields(out)).toBe(out);
  });
});

describe('composeTransforms', () => {
  it('applies the transforms left to right', () => {
    const t = composeTransforms<string[]>(
      (a) => [...a, 'x'],
      (a) => [...a, 'y'],
    );
    expect(t(['a'])).toEqual(['a', 'x', 'y']);
    expect(composeTransforms<number>()(7)).toBe(7);
  });
});

describe('createStringInterner', () => {
  it('returns the same object, deep-equal to what it was, nested arrays and objects included', () => {
    const intern = createStringInterner();
    const pod = fresh(1);
    const copy = structuredClone(pod);
    expect(intern(pod)).toBe(pod);
    expect(pod).toEqual(copy);
    const odd = {
      a: [['long string value one', null, 3, { b: 'long string value one' }]],
      c: null,
    };
    expect(createStringInterner()(odd as unknown as KubeObject)).toEqual({
      a: [['long string value one', null, 3, { b: 'long string value one' }]],
      c: null,
    });
  });

  it('leaves frozen subtrees alone (shared fieldsV1, freezeObjects) instead of throwing on them', () => {
    const intern = createStringInterner<Record<string, unknown>>({ minLength: 1 });
    const frozen = Object.freeze({ note: 'a long string value', nested: Object.freeze(['abc']) });
    const obj = { frozen, own: 'a long string value' };
    expect(intern(obj)).toBe(obj);
    expect(obj).toEqual({
      frozen: { note: 'a long string value', nested: ['abc'] },
      own: 'a long string value',
    });
  });

  it('keeps one entry per distinct string within the length bounds', () => {
    const intern = createStringInterner<Record<string, unknown>>({ minLength: 5, maxLength: 20 });
    intern({ a: 'abcd', b: 'abcdefgh', c: ['abcdefgh', 'x'.repeat(21)], d: { e: 'abcdefgh1' } });
    expect(intern.size).toBe(2); // 'abcdefgh' and 'abcdefgh1'
    intern({ a: 'abcdefgh' });
    expect(intern.size).toBe(2);
  });

  it('stays bounded: a full table is dropped and refilled', () => {
    const intern = createStringInterner<Record<string, unknown>>({ maxEntries: 3 });
    for (let i = 0; i < 10; i++) intern({ v: `unique-string-${i}` });
    expect(intern.size).toBeLessThanOrEqual(3);
    expect(intern.size).toBeGreaterThan(0);
    expect(() => createStringInterner({ maxEntries: 0 })).toThrow(RangeError);
  });

  it('makes equal strings of different objects share memory', () => {
    // 2,000 objects with the same 2,000-char value, each decoded into its own copy (4 MB).
    const line = JSON.stringify({ metadata: { annotations: { big: 'z'.repeat(2000) } } });
    const keepPlain: unknown[] = [];
    const keepInterned: unknown[] = [];
    const intern = createStringInterner<KubeObject>({ maxLength: 4096 });
    const h0 = heapAfterGc();
    for (let i = 0; i < 2000; i++) keepPlain.push(JSON.parse(line));
    const h1 = heapAfterGc();
    for (let i = 0; i < 2000; i++) keepInterned.push(intern(JSON.parse(line) as KubeObject));
    const h2 = heapAfterGc();
    const plain = h1 - h0;
    const interned = h2 - h1;
    expect(plain).toBeGreaterThan(2000 * 2000);
    expect(interned).toBeLessThan(plain / 4);
    expect(keepPlain).toHaveLength(2000);
    expect(keepInterned).toHaveLength(2000);
  });
});

import { describe, expect, it } from 'vitest';
import { jsonEqual } from './json-equal.js';

describe('jsonEqual', () => {
  it('ignores the order of object keys and compares arrays in order', () => {
    expect(jsonEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(jsonEqual({ c: [1, 2] }, { c: [2, 1] })).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: '1' })).toBe(false);
    expect(jsonEqual([{ a: 1 }], { 0: { a: 1 } })).toBe(false);
  });

  it('typed: absent, null, {} and [] are the same zero value; untyped: they differ', () => {
    expect(jsonEqual({ a: 1 }, { a: 1, b: null }, { typed: true })).toBe(true);
    expect(jsonEqual({ a: {} }, { a: [] }, { typed: true })).toBe(true);
    expect(jsonEqual(undefined, {}, { typed: true })).toBe(true);
    expect(jsonEqual({ a: { b: {} } }, {}, { typed: true })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(jsonEqual({ a: {} }, {})).toBe(false);
    expect(jsonEqual({ a: 0 }, {}, { typed: true })).toBe(false);
  });
});

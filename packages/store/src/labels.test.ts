import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SelectorParseError } from './labels.js';
import {
  everything,
  isSelectorParseError,
  labelKeyProblem,
  labelSelectorFromSet,
  labelValueProblem,
  parseSelector,
} from './labels.js';

describe('label selectors', () => {
  const l = { app: 'web', tier: 'front', env: 'prod' };

  it('matches equality and inequality', () => {
    expect(parseSelector('app=web').matches(l)).toBe(true);
    expect(parseSelector('app==web,tier=front').matches(l)).toBe(true);
    expect(parseSelector('app!=web').matches(l)).toBe(false);
    expect(parseSelector('missing!=x').matches(l)).toBe(true);
    expect(parseSelector('app=db').matches(l)).toBe(false);
  });

  it('matches set-based in, notin, exists and !exists', () => {
    expect(parseSelector('env in (prod, staging)').matches(l)).toBe(true);
    expect(parseSelector('env notin (prod)').matches(l)).toBe(false);
    expect(parseSelector('other notin (prod)').matches(l)).toBe(true);
    expect(parseSelector('other in (prod)').matches(l)).toBe(false);
    expect(parseSelector('tier').matches(l)).toBe(true);
    expect(parseSelector('!tier').matches(l)).toBe(false);
    expect(parseSelector('!nope,app').matches(l)).toBe(true);
  });

  it('treats empty selectors as everything and missing labels as none', () => {
    expect(parseSelector('').empty()).toBe(true);
    expect(everything().matches(undefined)).toBe(true);
    expect(parseSelector('app').matches(undefined)).toBe(false);
  });

  it('builds selectors from a set and prints them canonically', () => {
    expect(labelSelectorFromSet({ app: 'web' }).matches(l)).toBe(true);
    expect(parseSelector('b in (y,x),a=1,!c').toString()).toBe('a=1,b in (x,y),!c');
  });

  it('reports parse errors with their position', () => {
    for (const [text, pos] of [
      ['app=web,', 8],
      ['app in x', 7],
      ['app in (a b)', 10],
      ['app ~ b', 4],
    ] as const) {
      try {
        parseSelector(text);
        expect.unreachable(text);
      } catch (err) {
        expect(isSelectorParseError(err)).toBe(true);
        expect((err as SelectorParseError).position).toBe(pos);
      }
    }
  });

  it('compares integers with > and <, never matching absent or non-integer labels', () => {
    const nums = { replicas: '3', name: 'x' };
    expect(parseSelector('replicas>2').matches(nums)).toBe(true);
    expect(parseSelector('replicas > 3').matches(nums)).toBe(false);
    expect(parseSelector('replicas<4').matches(nums)).toBe(true);
    expect(parseSelector('name>1').matches(nums)).toBe(false);
    expect(parseSelector('other<100').matches(nums)).toBe(false);
    expect(parseSelector('replicas>2').toString()).toBe('replicas>2');
    expect(() => parseSelector('replicas>two')).toThrow(/integer/);
  });

  it('accepts an empty value for equality, like apimachinery', () => {
    expect(parseSelector('app=').matches({ app: '' })).toBe(true);
    expect(parseSelector('app=,tier').matches({ app: 'web', tier: 'x' })).toBe(false);
    expect(parseSelector('app in ()').matches({ app: '' })).toBe(true);
    expect(parseSelector('app in ()').matches({ app: 'web' })).toBe(false);
  });

  it('validates keys and values as Kubernetes label keys and values', () => {
    expect(parseSelector('example.com/app=web').matches({ 'example.com/app': 'web' })).toBe(true);
    for (const [text, pos, pattern] of [
      ['Example.com/app=web', 0, /prefix/],
      ['a/b/c=1', 0, /at most one/],
      ['/app=web', 0, /prefix must not be empty/],
      [`${'k'.repeat(64)}=v`, 0, /63/],
      ['-app=web', 0, /start and end/],
      ['app=-web', 4, /label value/],
      ['app in (ok, bad-)', 12, /label value/],
      ['!app=web', 4, /','/],
      ['app~b', 0, /invalid label key/],
    ] as const) {
      try {
        parseSelector(text);
        expect.unreachable(text);
      } catch (err) {
        expect(isSelectorParseError(err), text).toBe(true);
        expect((err as SelectorParseError).position, text).toBe(pos);
        expect((err as Error).message, text).toMatch(pattern);
        expect((err as Error).message, text).toContain(JSON.stringify(text));
      }
    }
    expect(labelKeyProblem('app.kubernetes.io/name')).toBeUndefined();
    expect(labelValueProblem('')).toBeUndefined();
    expect(labelValueProblem('v'.repeat(64))).toMatch(/63/);
  });

  it('parses its own canonical form back to an equivalent selector', () => {
    const key = fc.constantFrom('app', 'tier', 'example.com/env', 'n');
    const value = fc.constantFrom('', 'a', 'b', 'web', '1', '7');
    const req = fc.oneof(
      fc.tuple(key, fc.constantFrom('=', '==', '!='), value).map(([k, o, v]) => `${k}${o}${v}`),
      fc
        .tuple(
          key,
          fc.constantFrom('in', 'notin'),
          fc.uniqueArray(value, { minLength: 1, maxLength: 3 }),
        )
        .map(([k, o, vs]) => `${k} ${o} (${vs.join(', ')})`),
      fc
        .tuple(key, fc.constantFrom('>', '<'), fc.integer({ min: -3, max: 9 }))
        .map(([k, o, v]) => `${k}${o}${String(v)}`),
      key,
      key.map((k) => `!${k}`),
    );
    const labels = fc.dictionary(key, value, { maxKeys: 4 });
    fc.assert(
      fc.property(fc.array(req, { minLength: 1, maxLength: 4 }), labels, (reqs, l) => {
        const sel = parseSelector(reqs.join(','));
        const again = parseSelector(sel.toString());
        expect(again.toString()).toBe(sel.toString());
        expect(again.matches(l)).toBe(sel.matches(l));
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});

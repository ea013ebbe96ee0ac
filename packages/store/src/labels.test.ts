import { describe, expect, it } from 'vitest';
import type { SelectorParseError } from './labels.js';
import { everything, isSelectorParseError, labelSelectorFromSet, parseSelector } from './labels.js';

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
    expect(parseSelector('b in (y,x),a=1,!c').toString()).toBe('b in (x,y),a=1,!c');
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
});

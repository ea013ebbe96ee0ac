import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InvalidResourceVersionError,
  compareResourceVersion,
  isComparableResourceVersion,
  isInvalidResourceVersionError,
} from './resource-version.js';

/** A well-formed resource version: a positive integer, possibly far beyond 2^64. */
const rv = fc.bigInt({ min: 1n, max: 10n ** 40n }).map((n) => n.toString());
/** Resource versions close to each other (same length often), to exercise the digit comparison. */
const nearRvs = fc
  .tuple(fc.bigInt({ min: 1n, max: 10n ** 25n }), fc.bigInt({ min: -1000n, max: 1000n }))
  .map(([n, d]) => [n.toString(), (n + d > 0n ? n + d : 1n).toString()] as const);

const sign = (n: bigint): -1 | 0 | 1 => (n < 0n ? -1 : n > 0n ? 1 : 0);

describe('compareResourceVersion', () => {
  it('orders like the integers they are (BigInt), never like strings', () => {
    fc.assert(
      fc.property(rv, rv, (a, b) => {
        expect(compareResourceVersion(a, b)).toBe(sign(BigInt(a) - BigInt(b)));
      }),
    );
    fc.assert(
      fc.property(nearRvs, ([a, b]) => {
        expect(compareResourceVersion(a, b)).toBe(sign(BigInt(a) - BigInt(b)));
        expect(compareResourceVersion(b, a)).toBe(sign(BigInt(b) - BigInt(a)));
      }),
    );
    expect(compareResourceVersion('9', '10')).toBe(-1); // '9' > '10' as strings
    expect(compareResourceVersion('18446744073709551616', '18446744073709551615')).toBe(1);
    expect(compareResourceVersion('42', '42')).toBe(0);
  });

  it('throws InvalidResourceVersionError for anything that is not a positive integer without leading zeros', () => {
    for (const bad of [
      '',
      '0',
      '00',
      '007',
      '-1',
      '+1',
      ' 1',
      '1 ',
      '1.0',
      '1e3',
      '12a',
      'abc',
      '١٢',
    ]) {
      expect(isComparableResourceVersion(bad)).toBe(false);
      let thrown: unknown;
      try {
        compareResourceVersion(bad, '5');
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(InvalidResourceVersionError);
      expect(isInvalidResourceVersionError(thrown)).toBe(true);
      expect((thrown as InvalidResourceVersionError).resourceVersion).toBe(bad);
      expect((thrown as Error).name).toBe('InvalidResourceVersionError');
      expect(() => compareResourceVersion('5', bad)).toThrow(InvalidResourceVersionError);
    }
  });

  it('rejects every string with a non-digit or a leading zero (property)', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const wellFormed = /^[1-9][0-9]*$/.test(s);
        expect(isComparableResourceVersion(s)).toBe(wellFormed);
        if (!wellFormed) expect(() => compareResourceVersion(s, '1')).toThrow(/not well formed/);
      }),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isShardingConfigError } from './errors.js';
import { createRing } from './ring.js';

const keys = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `namespace-${String(i % 13)}/foo-${String(i)}`);

function shares(shards: string[], ks: string[], virtualNodes?: number): Map<string, number> {
  const ring = createRing({ shards, ...(virtualNodes !== undefined ? { virtualNodes } : {}) });
  const counts = new Map<string, number>(shards.map((s) => [s, 0]));
  for (const k of ks) {
    const s = ring.shardFor(k);
    if (s === undefined) throw new Error('no shard');
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  return counts;
}

describe('createRing', () => {
  it('has no shard for any key when empty', () => {
    expect(createRing({ shards: [] }).shardFor('ns/a')).toBeUndefined();
  });

  it('gives every key to the only shard', () => {
    const ring = createRing({ shards: ['only'] });
    for (const k of keys(50)) expect(ring.shardFor(k)).toBe('only');
  });

  it('does not depend on the order or duplicates of the shard list', () => {
    const a = createRing({ shards: ['c', 'a', 'b'] });
    const b = createRing({ shards: ['a', 'b', 'c', 'a'] });
    expect(a.shards).toEqual(['a', 'b', 'c']);
    for (const k of keys(500)) expect(a.shardFor(k)).toBe(b.shardFor(k));
  });

  it('rejects virtualNodes that are not a positive integer, and empty shard ids', () => {
    for (const virtualNodes of [0, -1, 1.5, Number.NaN]) {
      let caught: unknown;
      try {
        createRing({ shards: ['a'], virtualNodes });
      } catch (err) {
        caught = err;
      }
      expect(isShardingConfigError(caught)).toBe(true);
    }
    expect(() => createRing({ shards: [''] })).toThrow(/non-empty/);
  });

  // The stated tolerance: with 100 virtual nodes a shard's share stays within ±30 % of 1/N for
  // N = 2…10 (the standard deviation of a share is about 1/√100 = 10 %); with 1 000 within ±15 % (about 1/√1000 = 3 %, this set of names is a 3σ one).
  it.each([2, 3, 5, 10])('balances %i shards within ±30 %% of 1/N with 100 virtual nodes', (n) => {
    for (const prefix of ['shard-', 'sample-controller-7d9f8-']) {
      const shards = Array.from({ length: n }, (_, i) => `${prefix}${String(i)}`);
      const ks = keys(20_000);
      for (const count of shares(shards, ks).values()) {
        expect(Math.abs(count / (ks.length / n) - 1)).toBeLessThanOrEqual(0.3);
      }
    }
  });

  it('balances 5 shards within ±15 % with 1 000 virtual nodes', () => {
    const shards = ['s-0', 's-1', 's-2', 's-3', 's-4'];
    const ks = keys(20_000);
    for (const count of shares(shards, ks, 1000).values()) {
      expect(Math.abs(count / (ks.length / 5) - 1)).toBeLessThanOrEqual(0.15);
    }
  });

  it('moves only keys to a joining shard, about 1/(N+1) of them (property)', () => {
    const ks = keys(3000);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/), { minLength: 1, maxLength: 6 }),
        fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/),
        (shards, joining) => {
          fc.pre(!shards.includes(joining));
          const before = createRing({ shards });
          const after = createRing({ shards: [...shards, joining] });
          let moved = 0;
          for (const k of ks) {
            const a = before.shardFor(k);
            const b = after.shardFor(k);
            if (a !== b) {
              // A join never moves a key between two old shards.
              expect(b).toBe(joining);
              moved++;
            }
          }
          const ideal = ks.length / (shards.length + 1);
          // ±60 % of the ideal count: the joining shard's share varies like any shard's.
          expect(Math.abs(moved / ideal - 1)).toBeLessThanOrEqual(0.6);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('moves only the leaving shard keys on a leave, about 1/N of them', () => {
    const shards = ['a-0', 'a-1', 'a-2', 'a-3', 'a-4'];
    const before = createRing({ shards });
    const after = createRing({ shards: shards.filter((s) => s !== 'a-2') });
    const ks = keys(10_000);
    let moved = 0;
    for (const k of ks) {
      if (before.shardFor(k) !== after.shardFor(k)) {
        expect(before.shardFor(k)).toBe('a-2');
        moved++;
      }
    }
    expect(Math.abs(moved / (ks.length / 5) - 1)).toBeLessThanOrEqual(0.3);
  });
});

import { describe, expect, it } from 'vitest';
import { hash64 } from './hash.js';

describe('hash64', () => {
  // Pinned values: every replica and every version must agree on the ring, so a change of the
  // hash is a breaking change of the protocol (all objects would move at once).
  it('is stable across versions', () => {
    expect(hash64('default/foo-1')).toBe(pinned.defaultFoo1);
    expect(hash64('shard-0#0')).toBe(pinned.shard00);
  });

  it('spreads inputs that differ in their last byte over the high bits', () => {
    const tops = new Set<bigint>();
    for (let i = 0; i < 64; i++) tops.add(hash64(`shard-a#${String(i)}`) >> 58n);
    // 64 inputs over 64 buckets of the top 6 bits: FNV-1a alone puts them in one or two.
    expect(tops.size).toBeGreaterThan(20);
  });

  it('hashes UTF-8 bytes, not UTF-16 units', () => {
    expect(hash64('ä')).not.toBe(hash64('\u00e4\u0000'));
    expect(hash64('é')).toBe(hash64('\u00e9'));
  });
});

// Computed independently (Python) as fmix64(fnv1a64(s)); fnv1a64('a') = 0xaf63dc4c8601ec8c, the FNV reference vector.
const pinned = { defaultFoo1: 11930929042568765681n, shard00: 15032957021261908002n };

import { describe, expect, it } from 'vitest';
import { isShardingConfigError } from './errors.js';
import {
  drainLabel,
  ringLabel,
  ringSelector,
  shardLabel,
  sharderLeaseName,
  shardSelector,
  validateRingName,
} from './labels.js';

describe('labels', () => {
  it('names the keys of the protocol', () => {
    expect(ringLabel).toBe('sharding.kubecache.io/ring');
    expect(shardLabel('foos')).toBe('shard.kubecache.io/foos');
    expect(drainLabel('foos')).toBe('drain.kubecache.io/foos');
    expect(shardSelector('foos', 'pod-1')).toBe('shard.kubecache.io/foos=pod-1');
    expect(ringSelector('foos')).toBe('sharding.kubecache.io/ring=foos');
    expect(sharderLeaseName('foos')).toBe('foos-sharder');
  });

  it('accepts a DNS-1123 label of up to 40 characters as ring name, nothing else', () => {
    expect(() => validateRingName('a'.repeat(40))).not.toThrow();
    for (const bad of ['', 'a'.repeat(41), 'Foos', '-foos', 'foos-', 'foo.s', 'foo_s']) {
      let caught: unknown;
      try {
        validateRingName(bad);
      } catch (err) {
        caught = err;
      }
      expect(isShardingConfigError(caught), bad).toBe(true);
    }
  });

  it('refuses shard ids that cannot be a Lease name and a label value', () => {
    expect(() => shardSelector('foos', 'Pod-1')).toThrow(/shard id/);
    expect(() => shardSelector('foos', 'a'.repeat(64))).toThrow(/shard id/);
    expect(() => shardSelector('foos', 'pod.1')).not.toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import {
  ShardMembershipLostError,
  ShardingConfigError,
  isShardMembershipLostError,
  isShardingConfigError,
} from './errors.js';

describe('errors', () => {
  it('have stable names, fields and brand guards', () => {
    const lost = new ShardMembershipLostError('ns/a', 'taken-over', 'gone', { cause: 'x' });
    expect(lost.name).toBe('ShardMembershipLostError');
    expect(lost).toMatchObject({ lease: 'ns/a', reason: 'taken-over', cause: 'x' });
    expect(isShardMembershipLostError(lost)).toBe(true);
    expect(isShardMembershipLostError(new Error('gone'))).toBe(false);
    const config = new ShardingConfigError('ring', 'bad');
    expect(config.name).toBe('ShardingConfigError');
    expect(config.field).toBe('ring');
    expect(isShardingConfigError(config)).toBe(true);
    expect(isShardingConfigError(lost)).toBe(false);
    expect(isShardingConfigError(null)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import {
  StaleListGuard,
  isOlderResourceVersion,
  listPageSize,
  relistResourceVersion,
} from './list-rv.js';

describe('resource-version rules', () => {
  it('compares resource versions as integers only when both are integers', () => {
    expect(isOlderResourceVersion('9', '10')).toBe(true);
    expect(isOlderResourceVersion('10', '9')).toBe(false);
    expect(isOlderResourceVersion('10', '10')).toBe(false);
    expect(isOlderResourceVersion('123456789012345678901', '123456789012345678902')).toBe(true);
    expect(isOlderResourceVersion('', '10')).toBe(false);
    expect(isOlderResourceVersion('abc', '10')).toBe(false);
    expect(isOlderResourceVersion('9', 'v10')).toBe(false);
  });

  it('relists at "0" first, at the synced RV later, and at "" once that RV was unavailable (client-go relistResourceVersion)', () => {
    expect(
      relistResourceVersion({ lastSync: '', unavailable: false, paginatedResult: false }),
    ).toBe('0');
    expect(
      relistResourceVersion({ lastSync: '42', unavailable: false, paginatedResult: false }),
    ).toBe('42');
    expect(
      relistResourceVersion({ lastSync: '42', unavailable: true, paginatedResult: false }),
    ).toBe('');
  });

  it('pages consistent and RV="0" lists by 500, not lists at an RV, unless the RV="0" list was paginated or a page size is set', () => {
    const none = { paginatedResult: false };
    expect(listPageSize('', none, {})).toBe(500);
    expect(listPageSize('0', none, {})).toBe(500);
    expect(listPageSize('42', none, {})).toBe(0);
    expect(listPageSize('42', { paginatedResult: true }, {})).toBe(500);
    expect(listPageSize('42', none, { pageSize: 7 })).toBe(7);
    expect(listPageSize('', none, { pageSize: 7, supportsPaging: false })).toBe(0);
  });
});

describe('StaleListGuard', () => {
  it('retries older answers up to the bound, then accepts one, and starts over after a fresh answer', () => {
    const g = new StaleListGuard(2);
    expect(g.judge('5', '9')).toBe('retry');
    expect(g.judge('5', '9')).toBe('retry');
    expect(g.retries).toBe(2);
    expect(g.judge('5', '9')).toBe('accept-older');
    expect(g.retries).toBe(0);
    expect(g.judge('5', '9')).toBe('retry');
    expect(g.judge('9', '9')).toBe('fresh');
    expect(g.retries).toBe(0);
  });

  it('accepts at once with a bound of 0, never with Infinity, and judges nothing before the first sync', () => {
    expect(new StaleListGuard(0).judge('5', '9')).toBe('accept-older');
    const strict = new StaleListGuard(Infinity);
    for (let i = 0; i < 100; i++) expect(strict.judge('5', '9')).toBe('retry');
    expect(new StaleListGuard(3).judge('5', '')).toBe('fresh');
  });
});

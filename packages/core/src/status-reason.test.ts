import { describe, expect, it } from 'vitest';
import { matchesStatusReason } from './status-reason.js';

describe('matchesStatusReason (apimachinery errors.Is… rule)', () => {
  it('matches by reason whatever the code', () => {
    expect(matchesStatusReason({ reason: 'Conflict', code: 409 }, 'Conflict', 409)).toBe(true);
    expect(matchesStatusReason({ reason: 'Conflict', code: 500 }, 'Conflict', 409)).toBe(true);
    expect(matchesStatusReason({ reason: 'Conflict', code: undefined }, 'Conflict', 409)).toBe(
      true,
    );
  });

  it('falls back on the code (number or numeric string) only for a missing or unknown reason', () => {
    expect(matchesStatusReason({ reason: '', code: 409 }, 'Conflict', 409)).toBe(true);
    expect(matchesStatusReason({ reason: 'Unknown', code: '409' }, 'Conflict', 409)).toBe(true);
    expect(matchesStatusReason({ reason: 'SomethingNew', code: 404 }, 'NotFound', 404)).toBe(true);
    expect(matchesStatusReason({ reason: '', code: 500 }, 'Conflict', 409)).toBe(false);
    expect(matchesStatusReason({ reason: '', code: undefined }, 'Conflict', 409)).toBe(false);
  });

  it('does not match a known other reason with the same code (a 409 AlreadyExists is no Conflict)', () => {
    expect(matchesStatusReason({ reason: 'AlreadyExists', code: 409 }, 'Conflict', 409)).toBe(
      false,
    );
    expect(matchesStatusReason({ reason: 'Expired', code: 410 }, 'Gone', 410)).toBe(false);
  });
});

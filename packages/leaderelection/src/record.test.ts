import { describe, expect, it } from 'vitest';
import { isInvalidLeaseError } from './errors.js';
import {
  canonicalJson,
  microTime,
  parseLeaseSpec,
  recordToLeaseSpec,
  snapshotFromSpec,
} from './record.js';

describe('Lease spec ↔ record', () => {
  it('an absent spec or absent fields take their unset values, as client-go converts them', () => {
    for (const spec of [undefined, null, {}]) {
      expect(parseLeaseSpec(spec)).toEqual({
        record: {
          holderIdentity: '',
          leaseDurationSeconds: 0,
          acquireTime: '',
          renewTime: '',
          leaderTransitions: 0,
        },
        invalidFields: [],
        problems: [],
      });
    }
  });

  it('round-trips a full record, strategy and preferredHolder included', () => {
    const record = {
      holderIdentity: 'pod-a',
      leaseDurationSeconds: 15,
      acquireTime: '2026-01-02T03:04:05.123456Z',
      renewTime: '2026-01-02T03:04:07+01:00',
      leaderTransitions: 3,
      strategy: 'OldestEmulationVersion',
      preferredHolder: 'pod-b',
    };
    const spec = recordToLeaseSpec(record);
    expect(spec).toEqual({ ...record, leaderTransitions: undefined, leaseTransitions: 3 });
    expect(parseLeaseSpec(JSON.parse(JSON.stringify(spec)))).toEqual({
      record,
      invalidFields: [],
      problems: [],
    });
  });

  it('omits unset times, an empty holder and a zero duration when writing (a released lease)', () => {
    expect(
      recordToLeaseSpec({
        holderIdentity: '',
        leaseDurationSeconds: 0,
        acquireTime: '',
        renewTime: '',
        leaderTransitions: 2,
      }),
    ).toEqual({ leaseTransitions: 2 });
  });

  it('names every field of the wrong type or out of range, and keeps the valid ones', () => {
    const parsed = parseLeaseSpec({
      holderIdentity: 'x',
      leaseDurationSeconds: 1.5,
      acquireTime: '2026-13-45',
      renewTime: 17,
      leaseTransitions: -1,
      strategy: {},
    });
    expect(parsed.record.holderIdentity).toBe('x');
    expect(parsed.invalidFields).toEqual([
      'leaseDurationSeconds',
      'acquireTime',
      'renewTime',
      'leaseTransitions',
      'strategy',
    ]);
    expect(parsed.problems[0]).toBe('spec.leaseDurationSeconds is 1.5, not an integer ≥ 1');
    expect(parseLeaseSpec('garbage').invalidFields).toEqual(['spec']);
    expect(parseLeaseSpec([1]).problems).toEqual(['spec is [1], not an object']);
  });

  it('a snapshot of an invalid spec carries an InvalidLeaseError; its raw text ignores key order', () => {
    const snap = snapshotFromSpec('ns/l', { leaseDurationSeconds: 'x', holderIdentity: 'a' });
    expect(isInvalidLeaseError(snap.invalid)).toBe(true);
    expect(snap.invalid?.name).toBe('InvalidLeaseError');
    expect(snap.raw).toBe(
      snapshotFromSpec('ns/l', { holderIdentity: 'a', leaseDurationSeconds: 'x' }).raw,
    );
    expect(snapshotFromSpec('ns/l', { holderIdentity: 'a' }).invalid).toBeUndefined();
  });

  it('microTime writes RFC 3339 UTC with six fractional digits (metav1.MicroTime)', () => {
    expect(microTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe('2026-01-02T03:04:05.678000Z');
  });

  it('canonicalJson sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: undefined } })).toBe(
      '{"a":{"d":[2,{"e":0,"f":1}]},"b":1}',
    );
  });
});

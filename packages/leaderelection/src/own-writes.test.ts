import { ApiStatusError } from '@kubecache/listwatch';
import { describe, expect, it } from 'vitest';
import { OwnWrites } from './own-writes.js';
import { canonicalJson, recordToLeaseSpec, type LeaderElectionRecord } from './record.js';
import type { LockSnapshot } from './resource-lock.js';

const record = (holder: string, renewSecond: number): LeaderElectionRecord => ({
  holderIdentity: holder,
  leaseDurationSeconds: 15,
  acquireTime: '2026-01-01T00:00:00.000000Z',
  renewTime: `2026-01-01T00:00:${String(renewSecond).padStart(2, '0')}.000000Z`,
  leaderTransitions: 0,
});
const textOf = (r: LeaderElectionRecord): string => canonicalJson(recordToLeaseSpec(r));
const snapshot = (r: LeaderElectionRecord, raw = textOf(r)): LockSnapshot => ({ record: r, raw });
const status = (code: number): ApiStatusError =>
  new ApiStatusError({ kind: 'Status', status: 'Failure', code, reason: 'x' });

describe('OwnWrites', () => {
  it('recognises a sent record by its text before any answer, and its outcome is unknown until one comes', () => {
    const w = new OwnWrites();
    expect(w.isOwn(textOf(record('a', 1)))).toBe(false);
    expect(w.unknownOutcome).toBe(false);
    w.send(record('a', 1));
    expect(w.isOwn(textOf(record('a', 1)))).toBe(true);
    expect(w.isOwn(textOf(record('a', 2)))).toBe(false);
    expect(w.unknownOutcome).toBe(true);
    w.answered(snapshot(record('a', 1)));
    expect(w.unknownOutcome).toBe(false);
  });

  it('also remembers the text the server stored when it differs from the one sent', () => {
    const w = new OwnWrites();
    w.send(record('a', 1));
    const stored = '{"holderIdentity":"a","stored":"differently"}';
    w.answered(snapshot(record('a', 1), stored));
    expect(w.isOwn(stored)).toBe(true);
    expect(w.isOwn(textOf(record('a', 1)))).toBe(true);
  });

  it('a 409 or 404 answer settles the outcome (the write did not land); any other error leaves it unknown', () => {
    for (const [err, unknown] of [
      [status(409), false],
      [status(404), false],
      [status(500), true],
      [new Error('socket hang up'), true],
    ] as const) {
      const w = new OwnWrites();
      w.send(record('a', 1));
      w.answered(undefined, err);
      expect(w.unknownOutcome, String(err)).toBe(unknown);
    }
  });

  it('tells creates apart from updates', () => {
    const w = new OwnWrites();
    w.send(record('a', 1));
    expect(w.hasCreate()).toBe(false);
    expect(w.isOwnCreate(textOf(record('a', 1)))).toBe(false);
    w.send(record('a', 2), true);
    expect(w.hasCreate()).toBe(true);
    expect(w.isOwnCreate(textOf(record('a', 2)))).toBe(true);
    expect(w.isOwnCreate(textOf(record('a', 1)))).toBe(false);
  });

  it('remembers only the last 4 writes', () => {
    const w = new OwnWrites();
    for (let i = 1; i <= 5; i++) w.send(record('a', i));
    expect(w.isOwn(textOf(record('a', 1)))).toBe(false);
    for (let i = 2; i <= 5; i++) expect(w.isOwn(textOf(record('a', i)))).toBe(true);
  });

  it('forget drops every write and the unknown outcome', () => {
    const w = new OwnWrites();
    w.send(record('a', 1), true);
    w.forget();
    expect(w.isOwn(textOf(record('a', 1)))).toBe(false);
    expect(w.hasCreate()).toBe(false);
    expect(w.unknownOutcome).toBe(false);
  });
});

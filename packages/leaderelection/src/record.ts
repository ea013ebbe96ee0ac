// The leader election record and its mapping to a coordination.k8s.io/v1 Lease spec
// (k8s.io/client-go/tools/leaderelection/resourcelock/interface.go: LeaderElectionRecord,
// LeaseSpecToLeaderElectionRecord, LeaderElectionRecordToLeaseSpec). Unlike Go, which cannot
// even decode a Lease with a field of the wrong type, the parser here validates field by field
// and says which fields are wrong.
import { InvalidLeaseError } from './errors.js';
import type { LockSnapshot } from './resource-lock.js';

/**
 * What the lock stores: who holds the lease and since when. Timestamps are informational only:
 * the elector never compares them with its own clock (clocks of two machines are not
 * comparable); it measures time from the local moment it saw the record change.
 */
export interface LeaderElectionRecord {
  /** Identity of the holder; `''` when nobody holds the lease (e.g. after a release). */
  holderIdentity: string;
  /** How long others must wait after the last observed change before taking over, in seconds; `0` when unset. */
  leaseDurationSeconds: number;
  /** When the current holder acquired the lease (RFC 3339 with microseconds, the holder's clock); `''` when unset. */
  acquireTime: string;
  /** When the holder last renewed (RFC 3339 with microseconds, the holder's clock); `''` when unset. */
  renewTime: string;
  /** How many times the lease changed hands. */
  leaderTransitions: number;
  /** `spec.strategy` (coordinated leader election), passed through untouched. */
  strategy?: string;
  /** `spec.preferredHolder` (coordinated leader election), passed through untouched. */
  preferredHolder?: string;
}

/** The `spec` of a coordination.k8s.io/v1 Lease, as on the wire. */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
  strategy?: string;
  preferredHolder?: string;
}

/** The result of {@link parseLeaseSpec}. */
export interface ParsedLeaseSpec {
  /** The record; invalid fields are replaced by their "unset" value. */
  record: LeaderElectionRecord;
  /** The `spec` fields that failed validation (empty when the record is valid). */
  invalidFields: string[];
  /** One human-readable line per invalid field. */
  problems: string[];
}

// RFC 3339 date-time as the API server writes it (metav1.Time / MicroTime), e.g.
// 2026-01-02T03:04:05Z, 2026-01-02T03:04:05.123456Z, 2026-01-02T03:04:05+01:00.
const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function describe(value: unknown): string {
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

/**
 * Reads a Lease `spec` (anything: it comes off the wire). Absent fields take their unset value
 * (`''` or `0`), as client-go's conversion does; present fields of the wrong type or out of range
 * are listed in `invalidFields`.
 */
export function parseLeaseSpec(spec: unknown): ParsedLeaseSpec {
  const record: LeaderElectionRecord = {
    holderIdentity: '',
    leaseDurationSeconds: 0,
    acquireTime: '',
    renewTime: '',
    leaderTransitions: 0,
  };
  const invalidFields: string[] = [];
  const problems: string[] = [];
  const bad = (field: string, why: string): void => {
    invalidFields.push(field);
    problems.push(`spec.${field} ${why}`);
  };
  if (spec === undefined || spec === null) return { record, invalidFields, problems };
  if (typeof spec !== 'object' || Array.isArray(spec)) {
    invalidFields.push('spec');
    problems.push(`spec is ${describe(spec)}, not an object`);
    return { record, invalidFields, problems };
  }
  const s = spec as Record<string, unknown>;
  const str = (field: string): string | undefined => {
    const v = s[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') {
      bad(field, `is ${describe(v)}, not a string`);
      return undefined;
    }
    return v;
  };
  const time = (field: string): string => {
    const v = str(field);
    if (v === undefined) return '';
    if (!rfc3339.test(v) || Number.isNaN(Date.parse(v))) {
      bad(field, `is ${describe(v)}, not an RFC 3339 time`);
      return '';
    }
    return v;
  };
  const int = (field: string, min: number): number => {
    const v = s[field];
    if (v === undefined || v === null) return 0;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > 2_147_483_647) {
      bad(field, `is ${describe(v)}, not an integer ≥ ${String(min)}`);
      return 0;
    }
    return v;
  };
  record.holderIdentity = str('holderIdentity') ?? '';
  record.leaseDurationSeconds = int('leaseDurationSeconds', 1);
  record.acquireTime = time('acquireTime');
  record.renewTime = time('renewTime');
  record.leaderTransitions = int('leaseTransitions', 0);
  const strategy = str('strategy');
  if (strategy !== undefined) record.strategy = strategy;
  const preferredHolder = str('preferredHolder');
  if (preferredHolder !== undefined) record.preferredHolder = preferredHolder;
  return { record, invalidFields, problems };
}

/** The Lease `spec` that stores `record` (unset times and a `0` duration are omitted). */
export function recordToLeaseSpec(record: LeaderElectionRecord): LeaseSpec {
  const spec: LeaseSpec = { leaseTransitions: record.leaderTransitions };
  if (record.holderIdentity !== '') spec.holderIdentity = record.holderIdentity;
  if (record.leaseDurationSeconds > 0) spec.leaseDurationSeconds = record.leaseDurationSeconds;
  if (record.acquireTime !== '') spec.acquireTime = record.acquireTime;
  if (record.renewTime !== '') spec.renewTime = record.renewTime;
  if (record.strategy !== undefined) spec.strategy = record.strategy;
  if (record.preferredHolder !== undefined) spec.preferredHolder = record.preferredHolder;
  return spec;
}

/**
 * A `metav1.MicroTime` string for `ms` since the epoch: RFC 3339 in UTC with six fractional
 * digits, e.g. `2026-01-02T03:04:05.123000Z`.
 */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * A canonical JSON text of a value (object keys sorted), used to tell whether a record changed
 * between two reads: the elector compares these strings, never the timestamps inside.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The {@link LockSnapshot} of a stored Lease `spec`: the parsed record, its canonical text, and an
 * {@link InvalidLeaseError} naming the bad fields if any.
 */
export function snapshotFromSpec(lock: string, spec: unknown): LockSnapshot {
  const parsed = parseLeaseSpec(spec);
  const raw = canonicalJson(spec ?? null);
  if (parsed.invalidFields.length === 0) return { record: parsed.record, raw };
  return {
    record: parsed.record,
    raw,
    invalid: new InvalidLeaseError(lock, parsed.invalidFields, parsed.problems),
  };
}

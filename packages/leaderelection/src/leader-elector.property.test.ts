import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ElectorInternals } from './leader-elector.js';
import { startCluster } from './test-support/harness.js';
import type { Violation } from './test-support/sim.js';

/** One fault of a random sequence, timed on the shared clock. */
type Fault =
  | { kind: 'partition'; replica: number; mode: 'fail' | 'stall'; atMs: number; forMs: number }
  | { kind: 'conflicts'; count: number; atMs: number }
  | { kind: 'restart'; atMs: number; forMs: number }
  | { kind: 'slow'; latencyMs: number; atMs: number; forMs: number }
  /** Writes applied by the server whose answers never arrive. */
  | { kind: 'lost-answers'; count: number; atMs: number }
  /** A replica's process stops (cleanly: abort and release; or crashes) and starts again later. */
  | { kind: 'process'; replica: number; how: 'clean' | 'crash'; atMs: number; forMs: number }
  /** A replica is stopped right after one of its writes reached the server, before the answer. */
  | { kind: 'abort-in-flight'; replica: number; atMs: number; forMs: number }
  /** Someone edits or deletes the Lease by hand. */
  | {
      kind: 'edit';
      what: 'holder' | 'duration' | 'clear' | 'touch' | 'delete';
      /** For `holder`: a replica's identity (0–2) or an unknown one (3). */
      holder: number;
      /** For `duration`: the new `leaseDurationSeconds` (never 1: that plus no holder is a release). */
      seconds: number;
      atMs: number;
    };

const replicas = 3;
const faultWindowMs = 90_000;
/** All faults are healed here; then the cluster gets a quiet period. */
const healAtMs = 130_000;
const quietMs = 40_000;

const at = fc.integer({ min: 0, max: faultWindowMs });
const span = fc.integer({ min: 100, max: 35_000 });
const faultArb: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({
    kind: fc.constant('partition' as const),
    replica: fc.integer({ min: 0, max: replicas - 1 }),
    mode: fc.constantFrom('fail' as const, 'stall' as const),
    atMs: at,
    forMs: span,
  }),
  fc.record({
    kind: fc.constant('conflicts' as const),
    count: fc.integer({ min: 1, max: 20 }),
    atMs: at,
  }),
  fc.record({ kind: fc.constant('restart' as const), atMs: at, forMs: span }),
  // Answers slower than the renew deadline included: the write lands, the answer comes too late.
  fc.record({
    kind: fc.constant('slow' as const),
    latencyMs: fc.integer({ min: 0, max: 12_000 }),
    atMs: at,
    forMs: span,
  }),
  fc.record({
    kind: fc.constant('lost-answers' as const),
    count: fc.integer({ min: 1, max: 5 }),
    atMs: at,
  }),
  fc.record({
    kind: fc.constant('process' as const),
    replica: fc.integer({ min: 0, max: replicas - 1 }),
    how: fc.constantFrom('clean' as const, 'crash' as const),
    atMs: at,
    forMs: fc.integer({ min: 0, max: 30_000 }),
  }),
  fc.record({
    kind: fc.constant('abort-in-flight' as const),
    replica: fc.integer({ min: 0, max: replicas - 1 }),
    atMs: at,
    forMs: fc.integer({ min: 0, max: 30_000 }),
  }),
  fc.record({
    kind: fc.constant('edit' as const),
    what: fc.constantFrom(
      'holder' as const,
      'duration' as const,
      'clear' as const,
      'touch' as const,
      'delete' as const,
    ),
    holder: fc.integer({ min: 0, max: replicas }),
    seconds: fc.integer({ min: 2, max: 20 }),
    atMs: at,
  }),
);
/** Arbitrary skew (clocks are never compared) and a drift rate within ±5 %. */
const clockArb = fc.tuple(
  fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
  fc.double({ min: 0.95, max: 1.05, noNaN: true }),
);

interface Outcome {
  violations: Violation[];
  leadersAtEnd: string[];
  terms: number;
}

async function runScenario(
  faults: Fault[],
  clocks: [number, number][],
  seed: number,
  internals: ElectorInternals = {},
  options: { releaseOnCancel?: boolean; lease?: 'released' | 'missing' } = {},
): Promise<Outcome> {
  const ids = ['r0', 'r1', 'r2'];
  const c = startCluster({
    ids,
    clocks,
    seed,
    internals,
    lease: options.lease ?? 'missing',
    elector: { releaseOnCancel: options.releaseOnCancel ?? false },
  });
  const { clock, net, store } = c;
  /** Replicas whose process is down, with the function that starts it again. */
  const down = new Map<string, () => void>();
  const stopFor = (id: string, how: 'clean' | 'crash', forMs: number): void => {
    if (down.has(id)) return; // one process per identity
    down.set(id, c.stopReplica(id, how));
    clock.setTimeout(() => down.get(id)?.(), forMs);
    clock.setTimeout(() => down.delete(id), forMs);
  };
  /** Replicas to stop right after their next write reached the server. */
  const abortAfterWrite = new Map<string, number>();
  net.onApplied = (identity) => {
    const forMs = abortAfterWrite.get(identity);
    if (forMs === undefined) return;
    abortAfterWrite.delete(identity);
    // Its answer is slow: the replica is stopped (and releases, if configured) before it.
    net.slowAnswers.set(identity, 3_000);
    clock.setTimeout(() => {
      net.slowAnswers.delete(identity);
      stopFor(identity, 'clean', forMs);
    }, 1);
  };
  for (const f of faults) {
    clock.setTimeout(() => {
      switch (f.kind) {
        case 'lost-answers':
          net.loseAnswersLeft += f.count;
          break;
        case 'process':
          stopFor(ids[f.replica]!, f.how, f.forMs);
          break;
        case 'abort-in-flight':
          abortAfterWrite.set(ids[f.replica]!, f.forMs);
          break;
        case 'edit': {
          const spec = store.current?.spec as Record<string, unknown> | undefined;
          if (f.what === 'delete') store.delete();
          else if (f.what === 'touch') store.set(spec ?? {});
          else if (f.what === 'holder')
            store.set({ ...spec, holderIdentity: ids[f.holder] ?? 'ghost' });
          else if (f.what === 'duration') store.set({ ...spec, leaseDurationSeconds: f.seconds });
          else if (spec?.leaseDurationSeconds !== 1)
            store.set({ ...spec, holderIdentity: undefined });
          break;
        }
        case 'partition':
          net.setLink(ids[f.replica]!, f.mode);
          clock.setTimeout(() => net.setLink(ids[f.replica]!, 'ok'), f.forMs);
          break;
        case 'conflicts':
          net.conflictsLeft += f.count;
          break;
        case 'restart':
          net.serverDown = true;
          clock.setTimeout(() => (net.serverDown = false), f.forMs);
          break;
        case 'slow':
          net.latencyMs = f.latencyMs;
          clock.setTimeout(() => (net.latencyMs = 5), f.forMs);
          break;
      }
    }, f.atMs);
  }
  clock.setTimeout(() => {
    for (const id of ids) net.setLink(id, 'ok');
    net.serverDown = false;
    net.conflictsLeft = 0;
    net.loseAnswersLeft = 0;
    net.latencyMs = 5;
    abortAfterWrite.clear();
    for (const start of down.values()) start();
    down.clear();
  }, healAtMs);
  await clock.advance(healAtMs + quietMs);
  const leadersAtEnd = c.leaders();
  await c.stop();
  return { violations: c.checker.violations, leadersAtEnd, terms: c.checker.terms.length };
}

const scenario = fc.record({
  faults: fc.array(faultArb, { maxLength: 12 }),
  clocks: fc.tuple(clockArb, clockArb, clockArb),
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  releaseOnCancel: fc.boolean(),
  lease: fc.constantFrom('released' as const, 'missing' as const),
});

const seed = Number(process.env.KUBECACHE_FC_SEED ?? 20_261_130);

describe('leader election under random faults (property)', () => {
  it('never has two leaders at one simulated instant — under partitions, 409 storms, server and process restarts, slow and lost answers, aborts with a write in flight, clock offsets and drift, and hand edits and deletion of the Lease — and a leader is elected once the faults end', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ faults, clocks, seed: s, releaseOnCancel, lease }) => {
        const out = await runScenario(faults, clocks, s, {}, { releaseOnCancel, lease });
        expect(out.violations).toEqual([]);
        expect(out.leadersAtEnd).toHaveLength(1);
        expect(out.terms).toBeGreaterThan(0);
      }),
      { numRuns: 200, seed },
    );
  }, 120_000);

  it('issue 21 input 4 in isolation — partitions and deletion of the Lease only: an elector never creates a deleted Lease on a stale read', async () => {
    const input4 = fc.record({
      faults: fc.array(
        fc.oneof(
          fc.record({
            kind: fc.constant('partition' as const),
            replica: fc.integer({ min: 0, max: replicas - 1 }),
            mode: fc.constantFrom('fail' as const, 'stall' as const),
            atMs: at,
            forMs: span,
          }),
          fc.record({
            kind: fc.constant('edit' as const),
            what: fc.constant('delete' as const),
            holder: fc.constant(0),
            seconds: fc.constant(15),
            atMs: at,
          }),
        ),
        { minLength: 2, maxLength: 10 },
      ),
      clocks: fc.tuple(clockArb, clockArb, clockArb),
      seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    });
    await fc.assert(
      fc.asyncProperty(input4, async ({ faults, clocks, seed: s }) => {
        const out = await runScenario(faults, clocks, s, {}, { lease: 'released' });
        expect(out.violations).toEqual([]);
        expect(out.leadersAtEnd).toHaveLength(1);
      }),
      { numRuns: 150, seed },
    );
  }, 120_000);

  it('the same checker reports a violation when a bug is planted (renewDeadline ignored)', async () => {
    const result = await fc.check(
      fc.asyncProperty(scenario, async ({ faults, clocks, seed: s }) => {
        const out = await runScenario(faults, clocks, s, { ignoreRenewDeadline: true });
        return out.violations.length === 0;
      }),
      // No shrinking: finding one counterexample is the point.
      { numRuns: 200, seed, endOnFailure: true },
    );
    expect(result.failed).toBe(true);
    expect(result.counterexample).not.toBeNull();
  }, 120_000);

  it('a partition of the leader with slow answers and drifting clocks is a known-safe scenario (regression example)', async () => {
    const out = await runScenario(
      [
        { kind: 'slow', latencyMs: 9_000, atMs: 3_000, forMs: 20_000 },
        { kind: 'partition', replica: 0, mode: 'stall', atMs: 12_000, forMs: 30_000 },
        { kind: 'conflicts', count: 5, atMs: 40_000 },
        { kind: 'restart', atMs: 50_000, forMs: 12_000 },
      ],
      [
        [0, 0.95],
        [123_456_789, 1.05],
        [-987_654_321, 1],
      ],
      7,
    );
    expect(out.violations).toEqual([]);
    expect(out.leadersAtEnd).toHaveLength(1);
  }, 60_000);
});

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
  | { kind: 'slow'; latencyMs: number; atMs: number; forMs: number };

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
): Promise<Outcome> {
  const ids = ['r0', 'r1', 'r2'];
  const c = startCluster({ ids, clocks, seed, internals });
  const { clock, net } = c;
  for (const f of faults) {
    clock.setTimeout(() => {
      switch (f.kind) {
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
    net.latencyMs = 5;
  }, healAtMs);
  await clock.advance(healAtMs + quietMs);
  const leadersAtEnd = c.leaders();
  await c.stop();
  return { violations: c.checker.violations, leadersAtEnd, terms: c.checker.terms.length };
}

const scenario = fc.record({
  faults: fc.array(faultArb, { maxLength: 10 }),
  clocks: fc.tuple(clockArb, clockArb, clockArb),
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
});

const seed = Number(process.env.KUBECACHE_FC_SEED ?? 20_261_130);

describe('leader election under random faults (property)', () => {
  it('never has two leaders at one simulated instant, and a leader is elected once the server is reachable again', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ faults, clocks, seed: s }) => {
        const out = await runScenario(faults, clocks, s);
        expect(out.violations).toEqual([]);
        expect(out.leadersAtEnd).toHaveLength(1);
        expect(out.terms).toBeGreaterThan(0);
      }),
      { numRuns: 200, seed },
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

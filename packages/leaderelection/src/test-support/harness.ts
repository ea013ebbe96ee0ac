// Test support: N electors over one in-memory lease on a FakeClock, with a simulated network.
import { FakeClock } from '@kubecache/core';
import type { LeaderElectorOptions } from '../config.js';
import { Elector, type ElectorInternals } from '../leader-elector.js';
import { createMemoryLeaseStore, createMemoryLock, type MemoryLeaseStore } from '../memory-lock.js';
import { parseLeaseSpec } from '../record.js';
import type { ResourceLock } from '../resource-lock.js';
import {
  DriftClock,
  LeadershipChecker,
  SimNetwork,
  captureLogger,
  seededRandom,
  type LogLine,
} from './sim.js';

/** One replica of a {@link Cluster}. */
export interface Replica {
  id: string;
  elector: Elector;
  clock: DriftClock;
  lock: ResourceLock;
  controller: AbortController;
  /** The promise of `run`. */
  done: Promise<void>;
  /** `started`, `stopped`, `new:<id>` in order. */
  events: string[];
  /** Reasons of the aborted `onStartedLeading` signals. */
  lostReasons: unknown[];
}

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  ids?: string[];
  elector?: Partial<LeaderElectorOptions>;
  internals?: ElectorInternals;
  /** Per replica: [offsetMs, rate]. Default: no skew, no drift. */
  clocks?: [number, number][];
  seed?: number;
  startMs?: number;
  /**
   * The Lease at the start: `released` (default) — a Lease released earlier (no holder, 1 s), so
   * the first election happens at once; `missing` — no Lease, so the first one is created a lease
   * duration after the electors first saw it missing.
   */
  lease?: 'released' | 'missing';
}

/** A running set of electors. */
export interface Cluster {
  clock: FakeClock;
  store: MemoryLeaseStore;
  net: SimNetwork;
  checker: LeadershipChecker;
  log: LogLine[];
  replicas: Replica[];
  replica(id: string): Replica;
  /** Replicas in a term now. */
  leaders(): string[];
  /**
   * Stops replica `id` — cleanly (abort; a release if configured) or as a crash (its requests and
   * answers are lost from now on, its beliefs end now) — and returns a function that starts a new
   * process with the same identity (fresh elector state, same clock offset and rate).
   */
  stopReplica(id: string, how: 'clean' | 'crash'): () => void;
  /** Aborts every replica and waits for their `run` to resolve. */
  stop(): Promise<void>;
}

/** Starts electors `ids` (default a, b, c) on one in-memory lease. */
export function startCluster(options: ClusterOptions = {}): Cluster {
  const clock = new FakeClock(options.startMs ?? 1_767_225_600_000);
  const store = createMemoryLeaseStore();
  if ((options.lease ?? 'released') === 'released') {
    store.set({ leaseDurationSeconds: 1, leaseTransitions: 0 });
  }
  const net = new SimNetwork(clock);
  const checker = new LeadershipChecker(clock);
  const log: LogLine[] = [];
  const logger = captureLogger(log);
  const random = seededRandom(options.seed ?? 1);
  const generation = new Map<string, number>();
  const startReplica = (id: string, i: number): Replica => {
    const [offset, rate] = options.clocks?.[i] ?? [0, 1];
    const local = new DriftClock(clock, offset, rate);
    const gen = (generation.get(id) ?? 0) + 1;
    generation.set(id, gen);
    const lock = createMemoryLock({
      store,
      identity: id,
      transport: net.transport(id, `${id}#${String(gen)}`),
    });
    const events: string[] = [];
    const lostReasons: unknown[] = [];
    const elector = new Elector(
      {
        lock,
        clock: local,
        logger,
        random,
        onStartedLeading: (signal) => {
          events.push('started');
          signal.addEventListener('abort', () => lostReasons.push(signal.reason), { once: true });
          return checker.lead(id, signal);
        },
        onStoppedLeading: () => events.push('stopped'),
        onNewLeader: (leader) => events.push(`new:${leader}`),
        ...options.elector,
      },
      options.internals,
    );
    const controller = new AbortController();
    const done = elector.run(controller.signal);
    // run rejects when leader work fails; tests that care await it, the others must not see an
    // unhandled rejection.
    done.catch(() => undefined);
    return {
      id,
      elector,
      clock: local,
      lock,
      controller,
      done,
      events,
      lostReasons,
    };
  };
  const ids = options.ids ?? ['a', 'b', 'c'];
  const replicas = ids.map((id, i) => startReplica(id, i));
  /** Every process started, restarted ones included (all are stopped by `stop`). */
  const processes = [...replicas];
  return {
    clock,
    store,
    net,
    checker,
    log,
    replicas,
    replica: (id) => replicas.find((r) => r.id === id)!,
    leaders: () => replicas.filter((r) => r.elector.isLeader()).map((r) => r.id),
    stopReplica(id, how) {
      const i = replicas.findIndex((r) => r.id === id);
      const old = replicas[i]!;
      if (how === 'crash') net.crashed.add(`${id}#${String(generation.get(id))}`);
      old.controller.abort();
      return () => {
        const next = startReplica(id, i);
        replicas[i] = next;
        processes.push(next);
      };
    },
    async stop() {
      for (const r of processes) r.controller.abort();
      await clock.advance(0);
      // A release may be in flight on the simulated network; a crashed one times out.
      for (let i = 0; i < 10; i++) await clock.advance(50);
      for (let i = 0; i < 25; i++) await clock.advance(1_000);
      await Promise.all(processes.map((r) => r.done.catch(() => undefined)));
    },
  };
}

/** Advances in 50 ms steps until `pred()`; returns the time it took (ms). */
export async function until(
  clock: FakeClock,
  pred: () => boolean,
  maxMs = 60_000,
): Promise<number> {
  const start = clock.now();
  while (!pred()) {
    if (clock.now() - start > maxMs) throw new Error('condition not met');
    await clock.advance(50);
  }
  return clock.now() - start;
}

/** The holder of a stored Lease spec (`''` when none, or invalid). */
export function holderOf(spec: unknown): string {
  return parseLeaseSpec(spec).record.holderIdentity;
}

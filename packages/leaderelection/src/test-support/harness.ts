// Test support: N electors over one in-memory lease on a FakeClock, with a simulated network.
import { FakeClock } from '@kubecache/core';
import type { LeaderElectorOptions } from '../config.js';
import { Elector, type ElectorInternals } from '../leader-elector.js';
import { createMemoryLeaseStore, createMemoryLock, type MemoryLeaseStore } from '../memory-lock.js';
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
  /** Aborts every replica and waits for their `run` to resolve. */
  stop(): Promise<void>;
}

/** Starts electors `ids` (default a, b, c) on one in-memory lease. */
export function startCluster(options: ClusterOptions = {}): Cluster {
  const clock = new FakeClock(options.startMs ?? 1_767_225_600_000);
  const store = createMemoryLeaseStore();
  const net = new SimNetwork(clock);
  const checker = new LeadershipChecker(clock);
  const log: LogLine[] = [];
  const logger = captureLogger(log);
  const random = seededRandom(options.seed ?? 1);
  const replicas = (options.ids ?? ['a', 'b', 'c']).map((id, i): Replica => {
    const [offset, rate] = options.clocks?.[i] ?? [0, 1];
    const local = new DriftClock(clock, offset, rate);
    const lock = createMemoryLock({ store, identity: id, transport: net.transport(id) });
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
    return {
      id,
      elector,
      clock: local,
      lock,
      controller,
      done: elector.run(controller.signal),
      events,
      lostReasons,
    };
  });
  return {
    clock,
    store,
    net,
    checker,
    log,
    replicas,
    replica: (id) => replicas.find((r) => r.id === id)!,
    leaders: () => replicas.filter((r) => r.elector.isLeader()).map((r) => r.id),
    async stop() {
      for (const r of replicas) r.controller.abort();
      await clock.advance(0);
      // A release may be in flight on the simulated network.
      for (let i = 0; i < 10; i++) await clock.advance(50);
      await Promise.all(replicas.map((r) => r.done));
    },
  };
}

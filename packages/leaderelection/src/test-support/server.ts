// Test support: the in-process API server with Leases, and electors over real HTTP on a FakeClock.
import { AbortedError, FakeClock, type KubeObject } from '@kubecache/core';
import { startApiServer, type ApiServer, type ApiServerOptions } from '@kubecache/testing';
import type { LeaderElectorOptions } from '../config.js';
import { Elector } from '../leader-elector.js';
import { createLeaseLock, type LeaseLock } from '../lease-lock.js';
import type { LeaderElectionRecord } from '../record.js';
import type { LockSnapshot, ResourceLock } from '../resource-lock.js';
import {
  LeadershipChecker,
  captureLogger,
  seededRandom,
  type LinkMode,
  type LogLine,
} from './sim.js';

/** coordination.k8s.io/v1 leases, as the in-process server registers them. */
export const leaseResource = {
  group: 'coordination.k8s.io',
  version: 'v1',
  resource: 'leases',
  kind: 'Lease',
  namespaced: true,
} as const;

/** The server's id of the leases resource. */
export const leases = 'leases.coordination.k8s.io';

/** Starts the in-process server with Leases registered (a no-op where they are built in). */
export async function startLeaseServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const server = await startApiServer({
    ...options,
    resources: [...(options.resources ?? []), leaseResource],
  });
  server.registerResource(leaseResource);
  return server;
}

/**
 * A lock wrapper that counts requests in flight (so a test knows when real I/O has settled) and
 * can partition its replica: `fail` refuses every request, `stall` never answers until the
 * elector gives up on it.
 */
export interface PartitionableLock extends ResourceLock {
  readonly inflight: number;
  mode: LinkMode;
  /** When set, the next `update` goes here instead (once), e.g. to apply it and lose the answer. */
  interceptUpdate:
    ((record: LeaderElectionRecord, signal: AbortSignal) => Promise<LockSnapshot>) | undefined;
}

/** Wraps `lock` in a {@link PartitionableLock} (mode `ok`). */
export function partitionable(lock: ResourceLock): PartitionableLock {
  let inflight = 0;
  const wrapper: PartitionableLock = {
    identity: lock.identity,
    describe: () => lock.describe(),
    get inflight() {
      return inflight;
    },
    mode: 'ok',
    interceptUpdate: undefined,
    get: (signal) => call(() => lock.get(signal), signal),
    create: (record, signal) => call(() => lock.create(record, signal), signal),
    update: (record, signal) => {
      const intercept = wrapper.interceptUpdate;
      if (intercept === undefined) return call(() => lock.update(record, signal), signal);
      wrapper.interceptUpdate = undefined;
      return intercept(record, signal);
    },
  };
  async function call<T>(fn: () => Promise<T>, signal: AbortSignal): Promise<T> {
    if (wrapper.mode === 'fail') {
      throw Object.assign(new Error('connect ECONNREFUSED (partitioned)'), {
        code: 'ECONNREFUSED',
      });
    }
    if (wrapper.mode === 'stall') {
      return new Promise<T>((_, reject) => {
        const abort = (): void => reject(new AbortedError(undefined, { cause: signal.reason }));
        if (signal.aborted) abort();
        else signal.addEventListener('abort', abort, { once: true });
      });
    }
    inflight++;
    try {
      return await fn();
    } finally {
      inflight--;
    }
  }
  return wrapper;
}

/** One replica of an {@link HttpCluster}. */
export interface HttpReplica {
  id: string;
  elector: Elector;
  lock: PartitionableLock;
  lease: LeaseLock;
  controller: AbortController;
  done: Promise<void>;
  events: string[];
  lostReasons: unknown[];
}

/** Electors over real HTTP to one server, on one FakeClock. */
export interface HttpCluster {
  clock: FakeClock;
  checker: LeadershipChecker;
  log: LogLine[];
  replicas: HttpReplica[];
  replica(id: string): HttpReplica;
  leaders(): string[];
  /** Advances the clock `ms` in steps of `stepMs`, letting real I/O finish after each step. */
  step(ms: number, stepMs?: number): Promise<void>;
  /** Advances in steps until `pred()` holds; returns the fake time it took (throws after `maxMs`). */
  until(pred: () => boolean, maxMs: number, stepMs?: number): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts electors `ids` against `server`, all on the Lease `default/my-controller`. Unless
 * `lease: 'missing'`, a Lease that does not exist yet is first created released (no holder, 1 s),
 * as a Lease left by an earlier release, so the first election happens at once (a missing Lease
 * is created only a lease duration after the electors first saw it missing).
 */
export function startHttpCluster(
  server: ApiServer,
  ids: string[],
  elector: Partial<LeaderElectorOptions> = {},
  options: { lease?: 'released' | 'missing' } = {},
): HttpCluster {
  if ((options.lease ?? 'released') === 'released' && storedLease(server) === undefined) {
    server.create(leases, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'my-controller', namespace: 'default' },
      spec: { leaseDurationSeconds: 1, leaseTransitions: 0 },
    } as never);
  }
  const clock = new FakeClock(Date.now());
  const checker = new LeadershipChecker(clock);
  const log: LogLine[] = [];
  const logger = captureLogger(log);
  const random = seededRandom(42);
  const replicas = ids.map((id): HttpReplica => {
    const lease = createLeaseLock({
      kubeConfig: server.kubeConfig,
      namespace: 'default',
      name: 'my-controller',
      identity: id,
    });
    const lock = partitionable(lease);
    const events: string[] = [];
    const lostReasons: unknown[] = [];
    const e = new Elector({
      lock,
      clock,
      logger,
      random,
      onStartedLeading: (signal) => {
        events.push('started');
        signal.addEventListener('abort', () => lostReasons.push(signal.reason), { once: true });
        return checker.lead(id, signal);
      },
      onStoppedLeading: () => events.push('stopped'),
      onNewLeader: (l) => events.push(`new:${l}`),
      ...elector,
    });
    const controller = new AbortController();
    const done = e.run(controller.signal);
    // run rejects when leader work fails; tests that care await it.
    done.catch(() => undefined);
    return {
      id,
      elector: e,
      lock,
      lease,
      controller,
      done,
      events,
      lostReasons,
    };
  });
  const settle = async (): Promise<void> => {
    // Real I/O on a shared, possibly busy machine: allow it plenty of wall time.
    const giveUpAt = Date.now() + 30_000;
    while (Date.now() < giveUpAt) {
      await new Promise<void>((r) => setTimeout(r, 1));
      if (replicas.every((r) => r.lock.inflight === 0)) {
        await clock.advance(0);
        if (replicas.every((r) => r.lock.inflight === 0)) return;
      }
    }
    throw new Error('requests did not settle');
  };
  const cluster: HttpCluster = {
    clock,
    checker,
    log,
    replicas,
    replica: (id) => replicas.find((r) => r.id === id)!,
    leaders: () => replicas.filter((r) => r.elector.isLeader()).map((r) => r.id),
    async step(ms, stepMs = 100) {
      await settle();
      for (let t = 0; t < ms; t += stepMs) {
        await clock.advance(Math.min(stepMs, ms - t));
        await settle();
      }
    },
    async until(pred, maxMs, stepMs = 100) {
      const start = clock.now();
      await settle();
      while (!pred()) {
        if (clock.now() - start > maxMs)
          throw new Error(`condition not met within ${String(maxMs)} ms`);
        await clock.advance(stepMs);
        await settle();
      }
      return clock.now() - start;
    },
    async stop() {
      for (const r of replicas) r.controller.abort();
      await cluster.step(1_000);
      await Promise.allSettled(replicas.map((r) => r.done));
      for (const r of replicas) r.lease.close();
    },
  };
  return cluster;
}

/** The Lease as stored by the server. */
export function storedLease(
  server: ApiServer,
): (KubeObject & { spec?: Record<string, unknown> }) | undefined {
  return server.get(leases, 'default', 'my-controller');
}

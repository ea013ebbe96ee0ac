// Lease scenarios (coordination.k8s.io/v1), the ground leader election stands on: a Lease can be
// created and read back with MicroTime fields intact, an update with a stale resourceVersion is
// refused with 409 Conflict (the precondition every elector write relies on), and a
// @kubecache/leaderelection elector using the target's KubeConfig takes over a Lease whose holder
// stopped renewing, then releases it on cancel.
import { ApiException, CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { expect } from 'vitest';
import { createLeaderElector, createLeaseLock } from '@kubecache/leaderelection';
import type { Target } from './target.js';

/** How scenarios.ts registers one scenario (records its outcome for the report). */
export type RegisterScenario = (
  name: string,
  fn: (t: Target) => Promise<void>,
  timeoutMs?: number,
) => void;

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** RFC 3339 with microseconds, as a Lease's MicroTime fields are written. */
const microTime = (ms: number): string => new Date(ms).toISOString().replace(/Z$/, '000Z');

/** Registers the Lease scenarios. */
export function defineLeaseScenarios(scenario: RegisterScenario): void {
  scenario(
    'a Lease: create, a stale update gets 409, an elector over the KubeConfig takes it over once its holder stopped renewing and releases it',
    async (tt) => {
      const api = tt.kubeConfig.makeApiClient(CoordinationV1Api);
      const name = 'kubecache-conformance-lease';
      const stale = microTime(Date.now() - 60_000);
      const created: V1Lease = await api.createNamespacedLease({
        namespace: tt.namespace,
        body: {
          metadata: { name },
          spec: {
            holderIdentity: 'a-replica-that-died',
            leaseDurationSeconds: 1,
            acquireTime: stale as unknown as Date,
            renewTime: stale as unknown as Date,
            leaseTransitions: 0,
          },
        },
      });
      expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
      expect(created.spec?.holderIdentity).toBe('a-replica-that-died');

      // Two writers read the same version; the second write loses with 409 Conflict.
      await api.replaceNamespacedLease({
        name,
        namespace: tt.namespace,
        body: { ...created, spec: { ...created.spec, leaseTransitions: 1 } },
      });
      const conflict = await api
        .replaceNamespacedLease({
          name,
          namespace: tt.namespace,
          body: { ...created, spec: { ...created.spec, holderIdentity: 'another-writer' } },
        })
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(conflict).toBeInstanceOf(ApiException);
      const ex = conflict as ApiException<unknown>;
      expect(ex.code).toBe(409);
      const body = (typeof ex.body === 'string' ? JSON.parse(ex.body) : ex.body) as {
        kind?: string;
        reason?: string;
      };
      expect(body).toMatchObject({ kind: 'Status', reason: 'Conflict' });

      // The holder stopped renewing: an elector waits one leaseDurationSeconds (1 s) of
      // unchanged record, on its own clock, then takes the Lease over.
      const identity = 'kubecache-conformance-elector';
      let leading = false;
      const leaders: string[] = [];
      const lock = createLeaseLock({
        kubeConfig: tt.kubeConfig,
        namespace: tt.namespace,
        name,
        identity,
      });
      const elector = createLeaderElector({
        lock,
        leaseDurationMs: 2000,
        renewDeadlineMs: 1500,
        retryPeriodMs: 500,
        releaseOnCancel: true,
        onStartedLeading: async (signal) => {
          leading = true;
          await new Promise<void>((resolve) =>
            signal.addEventListener('abort', () => resolve(), { once: true }),
          );
        },
        onStoppedLeading: () => (leading = false),
        onNewLeader: (id) => leaders.push(id),
      });
      const ac = new AbortController();
      const running = elector.run(ac.signal);
      try {
        await until(() => leading, 15_000, 'the elector to acquire the Lease');
        expect(leaders).toEqual(['a-replica-that-died', identity]);
        const held = await api.readNamespacedLease({ name, namespace: tt.namespace });
        expect(held.spec?.holderIdentity).toBe(identity);
        expect(held.spec?.leaseDurationSeconds).toBe(2);
        expect(held.spec?.leaseTransitions).toBe(2);
        // MicroTime survives the round trip (client-node parses it into a Date).
        expect(new Date(held.spec!.renewTime!).getTime()).toBeGreaterThan(Date.now() - 30_000);
      } finally {
        ac.abort();
        await running;
        lock.close();
      }
      const released = await api.readNamespacedLease({ name, namespace: tt.namespace });
      expect(released.spec?.holderIdentity ?? '').toBe('');
      expect(leading).toBe(false);
    },
    60_000,
  );
}

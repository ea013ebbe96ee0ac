// Shared pieces of the sharding tests: the Foo resource, objects, and shard membership helpers.
import { defineResource, leasesResourceDef, silentLogger, type KubeObject } from '@kubecache/core';
import type { ApiServer } from '@kubecache/testing';
import { runShardMembership } from '../membership.js';

export const Foo = defineResource({
  group: 'samplecontroller.k8s.io',
  version: 'v1alpha1',
  kind: 'Foo',
  plural: 'foos',
  namespaced: true,
});

export const Bar = defineResource({
  group: 'samplecontroller.k8s.io',
  version: 'v1alpha1',
  kind: 'Bar',
  plural: 'bars',
  namespaced: true,
});

/** Creates Foo `ns/name` and, if `withChild`, a Bar it controls. */
export function createFoo(s: ApiServer, ns: string, name: string, withChild = false): KubeObject {
  const foo = s.create(Foo, {
    apiVersion: Foo.apiVersion,
    kind: 'Foo',
    metadata: { namespace: ns, name },
  });
  if (withChild) {
    s.create(Bar, {
      apiVersion: Bar.apiVersion,
      kind: 'Bar',
      metadata: {
        namespace: ns,
        name: `${name}-child`,
        ownerReferences: [
          {
            apiVersion: Foo.apiVersion,
            kind: 'Foo',
            name,
            uid: foo.metadata?.uid ?? '',
            controller: true,
          },
        ],
      },
    });
  }
  return foo;
}

/** A running shard membership: `kill()` stops renewing without deleting (a crash). */
export interface TestShard {
  readonly id: string;
  readonly done: Promise<void>;
  /** Clean leave: aborts; the Lease is deleted. */
  leave(): Promise<void>;
}

/** Starts the membership of shard `id` (lease 2 s, renew deadline 1 s, retry 200 ms). */
export function joinShard(s: ApiServer, id: string, ring = 'foos'): TestShard {
  const stop = new AbortController();
  const done = runShardMembership({
    kubeConfig: s.kubeConfig,
    namespace: 'ns',
    ring,
    shardId: id,
    leaseDurationMs: 2000,
    renewDeadlineMs: 1000,
    retryPeriodMs: 200,
    signal: stop.signal,
    logger: silentLogger,
  });
  done.catch(() => undefined);
  return {
    id,
    done,
    leave: async () => {
      stop.abort();
      await done;
    },
  };
}

/** Writes a shard Lease by hand that nobody renews (a shard that crashed). */
export function staleShardLease(s: ApiServer, id: string, ring = 'foos'): void {
  s.create(leasesResourceDef, {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { namespace: 'ns', name: id, labels: { 'sharding.kubecache.io/ring': ring } },
    spec: { holderIdentity: id, leaseDurationSeconds: 2, renewTime: new Date().toISOString() },
  } as KubeObject);
}

/** The shard label value of every Foo (and Bar), by `kind/ns/name`. */
export function labelsOf(s: ApiServer, key: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const def of [Foo, Bar]) {
    for (const o of s.list(def).items) {
      out.set(`${def.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`, {
        ...(o.metadata?.labels ?? {}),
      });
    }
  }
  void key;
  return out;
}

export const quiet = silentLogger;

import {
  AbortedError,
  FakeClock,
  leasesResourceDef,
  silentLogger,
  type KubeObject,
} from '@kubecache/core';
import {
  type ResponseDecodeError,
  createJsonClient,
  isResponseDecodeError,
  type JsonClient,
} from '@kubecache/listwatch';
import { eventually, startApiServer, type ApiServer } from '@kubecache/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { isShardMembershipLostError, isShardingConfigError } from './errors.js';
import { ringLabel } from './labels.js';
import { runShardMembership, type ShardMembershipOptions } from './membership.js';

interface LeaseObj extends KubeObject {
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string };
}

let server: ApiServer | undefined;
const stops: AbortController[] = [];
afterEach(async () => {
  for (const c of stops.splice(0)) c.abort();
  await server?.close();
  server = undefined;
});

// Short timings (real clock, real HTTP): lease 2 s, renew deadline 1 s, retry 200 ms.
const timings = { leaseDurationMs: 2000, renewDeadlineMs: 1000, retryPeriodMs: 200 };

function start(
  s: ApiServer,
  extra: Partial<ShardMembershipOptions> = {},
): { done: Promise<void>; stop: AbortController; acquired: () => boolean } {
  const stop = new AbortController();
  stops.push(stop);
  let acquired = false;
  const done = runShardMembership({
    kubeConfig: s.kubeConfig,
    namespace: 'ns',
    ring: 'foos',
    shardId: 'shard-a',
    ...timings,
    signal: stop.signal,
    logger: silentLogger,
    onAcquired: () => {
      acquired = true;
    },
    ...extra,
  });
  return { done, stop, acquired: () => acquired };
}

const lease = (s: ApiServer, name = 'shard-a'): LeaseObj | undefined =>
  s.get(leasesResourceDef, 'ns', name);

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('runShardMembership over real HTTP', () => {
  it('creates its labelled Lease, calls onAcquired, renews every retry period', async () => {
    server = await startApiServer();
    const s = server;
    const m = start(s);
    await eventually(() => expect(m.acquired()).toBe(true));
    const first = lease(s);
    expect(first?.metadata?.labels?.[ringLabel]).toBe('foos');
    expect(first?.spec?.holderIdentity).toBe('shard-a');
    expect(first?.spec?.leaseDurationSeconds).toBe(2);
    await eventually(() => expect(lease(s)?.spec?.renewTime).not.toBe(first?.spec?.renewTime));
    m.stop.abort();
    await m.done;
  });

  it('deletes its Lease at once on abort, and resolves', async () => {
    server = await startApiServer();
    const s = server;
    const m = start(s);
    await eventually(() => expect(m.acquired()).toBe(true));
    m.stop.abort();
    await m.done;
    expect(lease(s)).toBeUndefined();
  });

  it('rejects with renew-deadline at the renew deadline when renewals hang (FakeClock)', async () => {
    server = await startApiServer();
    const s = server;
    const clock = new FakeClock(Date.now());
    const inner = createJsonClient(s.kubeConfig);
    let inflight = 0;
    const client: JsonClient = {
      server: inner.server,
      close: () => inner.close(),
      request: async (req) => {
        inflight++;
        try {
          return await inner.request(req);
        } finally {
          inflight--;
        }
      },
    };
    let outcome: unknown;
    const m = start(s, { client, clock });
    m.done.then(
      () => (outcome = 'resolved'),
      (err: unknown) => (outcome = err),
    );
    // Real I/O between fake-time steps: wait (bounded) for the requests in flight to answer.
    const settle = async (): Promise<void> => {
      const until = Date.now() + 2000;
      do await new Promise((r) => setTimeout(r, 2));
      while (inflight > 0 && Date.now() < until);
    };
    await eventually(() => expect(m.acquired()).toBe(true));
    await settle();
    // Renewals keep it a member while answered.
    for (let t = 0; t < 3000; t += 100) {
      await clock.advance(100);
      await settle();
    }
    expect(outcome).toBeUndefined();
    // From now on every lease request hangs. The last renewal that succeeded started at most one
    // retry period ago, so the deadline is at most renewDeadline after now.
    s.faults.stallNextRequests(1000, { resource: 'leases.coordination.k8s.io' });
    const stalledAt = clock.now();
    while (outcome === undefined && clock.now() - stalledAt < 5000) {
      await clock.advance(50);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(isShardMembershipLostError(outcome)).toBe(true);
    expect((outcome as { reason?: string }).reason).toBe('renew-deadline');
    // Never half-alive: rejected by the renew deadline, counted from the start of the last
    // successful renewal (at most one retry period before the stall), on the injected clock.
    const elapsed = clock.now() - stalledAt;
    expect(elapsed).toBeGreaterThan(timings.renewDeadlineMs - timings.retryPeriodMs - 50);
    expect(elapsed).toBeLessThanOrEqual(timings.renewDeadlineMs + 50);
    s.faults.clear();
  });

  it('rejects with taken-over when the sharder takes the Lease over', async () => {
    server = await startApiServer();
    const s = server;
    const m = start(s);
    await eventually(() => expect(m.acquired()).toBe(true));
    const cur = lease(s)!;
    s.update(leasesResourceDef, {
      ...cur,
      spec: { ...cur.spec, holderIdentity: 'the-sharder' },
    } as KubeObject);
    const err = await rejection(m.done);
    expect((err as { reason?: string }).reason).toBe('taken-over');
  });

  it('rejects with deleted when the Lease disappears under it', async () => {
    server = await startApiServer();
    const s = server;
    const m = start(s);
    await eventually(() => expect(m.acquired()).toBe(true));
    s.delete(leasesResourceDef, 'ns', 'shard-a');
    const err = await rejection(m.done);
    expect((err as { reason?: string }).reason).toBe('deleted');
  });

  it('waits while the sharder holds its Lease, and takes it once deleted', async () => {
    server = await startApiServer();
    const s = server;
    s.create(leasesResourceDef, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { namespace: 'ns', name: 'shard-a', labels: { [ringLabel]: 'foos' } },
      spec: {
        holderIdentity: 'the-sharder',
        leaseDurationSeconds: 30,
        renewTime: new Date().toISOString(),
      },
    } as KubeObject);
    const m = start(s);
    await new Promise((r) => setTimeout(r, 600));
    expect(m.acquired()).toBe(false);
    s.delete(leasesResourceDef, 'ns', 'shard-a');
    await eventually(() => expect(m.acquired()).toBe(true));
    expect(lease(s)?.spec?.holderIdentity).toBe('shard-a');
  });

  it('waits for a released Lease to be deleted too (the sharder may be moving its objects)', async () => {
    server = await startApiServer();
    const s = server;
    s.create(leasesResourceDef, {
      metadata: { namespace: 'ns', name: 'shard-a' },
      spec: { holderIdentity: '', leaseDurationSeconds: 1 },
    } as KubeObject);
    const m = start(s);
    await new Promise((r) => setTimeout(r, 600));
    expect(m.acquired()).toBe(false);
    s.delete(leasesResourceDef, 'ns', 'shard-a');
    await eventually(() => expect(m.acquired()).toBe(true));
    expect(lease(s)?.metadata?.labels?.[ringLabel]).toBe('foos');
  });

  it('renews its own Lease at once after a restart (the Lease still names it)', async () => {
    server = await startApiServer();
    const s = server;
    s.create(leasesResourceDef, {
      metadata: { namespace: 'ns', name: 'shard-a' },
      spec: { holderIdentity: 'shard-a', leaseDurationSeconds: 2, leaseTransitions: 3 },
    } as KubeObject);
    const m = start(s);
    await eventually(() => expect(m.acquired()).toBe(true));
    expect(lease(s)?.spec).toMatchObject({ holderIdentity: 'shard-a', leaseTransitions: 3 });
    expect(lease(s)?.metadata?.labels?.[ringLabel]).toBe('foos');
  });

  it('deletes a Lease whose create landed but whose answer the abort cut off', async () => {
    server = await startApiServer();
    const s = server;
    // The create reaches the server; its answer never reaches the shard before the abort.
    const inner = createJsonClient(s.kubeConfig);
    const client: JsonClient = {
      server: inner.server,
      close: () => inner.close(),
      request: async (req) => {
        const answer = await inner.request({ ...req, signal: undefined });
        if (req.method !== 'POST') return answer;
        return new Promise((_resolve, reject) => {
          // (The abort may have come while the create was on its way.)
          if (req.signal?.aborted === true) reject(new AbortedError());
          req.signal?.addEventListener('abort', () => reject(new AbortedError()), { once: true });
        });
      },
    };
    const m = start(s, { client });
    await eventually(() => expect(lease(s)).toBeDefined());
    m.stop.abort();
    await m.done;
    expect(m.acquired()).toBe(false);
    expect(lease(s)).toBeUndefined();
  });

  it('logs an answer that is not a Lease with a resourceVersion as a ResponseDecodeError (status 200), then acquires', async () => {
    server = await startApiServer();
    const s = server;
    const warnings: { err?: unknown }[] = [];
    const logger = {
      ...silentLogger,
      warn: (obj: object | string) => void warnings.push(obj as never),
    };
    s.faults.nextResponses(1, {
      status: 200,
      verb: 'get',
      resource: leasesResourceDef,
      body: JSON.stringify({ kind: 'Lease', metadata: { name: 'shard-a' } }),
    });
    const m = start(s, { logger });
    await eventually(() => expect(m.acquired()).toBe(true));
    const err = warnings.find((w) => w.err !== undefined)?.err;
    expect(isResponseDecodeError(err)).toBe(true);
    expect((err as ResponseDecodeError).name).toBe('ResponseDecodeError');
    expect((err as ResponseDecodeError).statusCode).toBe(200);
    expect((err as ResponseDecodeError).message).toBe(
      'GET /apis/coordination.k8s.io/v1/namespaces/ns/leases/shard-a: the answer is not a Lease with a resourceVersion',
    );
  });

  it('rejects bad options before any request', async () => {
    server = await startApiServer();
    const s = server;
    for (const extra of [
      { ring: 'Foos' },
      { shardId: '' },
      { leaseDurationMs: 1500 },
      { renewDeadlineMs: 2000 },
      { retryPeriodMs: 900 },
    ]) {
      const err = await rejection(start(s, extra).done);
      expect(isShardingConfigError(err), JSON.stringify(extra)).toBe(true);
    }
    expect(s.requests.count()).toBe(0);
  });
});

import { leasesResourceDef, silentLogger, type KubeObject } from '@kubecache/core';
import { eventually, startApiServer, type ApiServer } from '@kubecache/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { isShardingConfigError } from './errors.js';
import { drainLabel, shardLabel } from './labels.js';
import type { MoveReason } from './metrics.js';
import { partitionKey } from './partition-key.js';
import { createRing } from './ring.js';
import { runSharder } from './sharder.js';
import {
  Bar,
  Foo,
  createFoo,
  joinShard,
  labelsOf,
  staleShardLease,
  type TestShard,
} from './test-support/ring-fixture.js';

const shardKey = shardLabel('foos');
const drainKey = drainLabel('foos');

let server: ApiServer | undefined;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await server?.close();
  server = undefined;
});

async function startServer(): Promise<ApiServer> {
  server = await startApiServer({ bookmarkIntervalMs: 200 });
  server.registerResource(Foo);
  server.registerResource(Bar);
  return server;
}

function shard(s: ApiServer, id: string): TestShard {
  const sh = joinShard(s, id);
  cleanups.push(() => sh.leave().catch(() => undefined));
  return sh;
}

interface Recorded {
  assigned: { from: string; to: string; reason: MoveReason }[];
  drains: string[];
  drainMs: number[];
}

function sharder(
  s: ApiServer,
  identity = 'sharder-1',
  election = { leaseDurationMs: 2000, renewDeadlineMs: 1000, retryPeriodMs: 200 },
): Recorded {
  const stop = new AbortController();
  const rec: Recorded = { assigned: [], drains: [], drainMs: [] };
  const done = runSharder({
    kubeConfig: s.kubeConfig,
    namespace: 'ns',
    ring: 'foos',
    resources: [
      { definition: Foo, primary: true },
      { definition: Bar, primary: false },
    ],
    leaderElection: { identity, ...election },
    resyncIntervalMs: 100,
    signal: stop.signal,
    logger: silentLogger,
    metrics: {
      assigned: (_ring, from, to, reason) => rec.assigned.push({ from, to, reason }),
      drainRequested: (_ring, from) => rec.drains.push(from),
      drainDurationMs: (_ring, _from, ms) => rec.drainMs.push(ms),
    },
  });
  cleanups.push(async () => {
    stop.abort();
    await done;
  });
  return rec;
}

/** Every Foo and its child carry the shard the ring of `shards` gives the Foo. */
function expectAssigned(s: ApiServer, shards: string[]): void {
  const ring = createRing({ shards });
  const labels = labelsOf(s, shardKey);
  for (const foo of s.list(Foo).items) {
    const want = ring.shardFor(partitionKey(foo, { primaries: [Foo], resource: Foo }) ?? '');
    const ns = foo.metadata?.namespace ?? '';
    const name = foo.metadata?.name ?? '';
    expect(labels.get(`Foo/${ns}/${name}`)?.[shardKey], name).toBe(want);
    const child = labels.get(`Bar/${ns}/${name}-child`);
    if (child !== undefined) expect(child[shardKey], `${name}-child`).toBe(want);
  }
}

describe('runSharder over real HTTP', () => {
  it('labels existing and new objects, children with their owner, by the ring of live shards', async () => {
    const s = await startServer();
    for (let i = 0; i < 20; i++)
      createFoo(s, `ns-${String(i % 3)}`, `foo-${String(i)}`, i % 2 === 0);
    shard(s, 'shard-a');
    shard(s, 'shard-b');
    const rec = sharder(s);
    await eventually(() => expectAssigned(s, ['shard-a', 'shard-b']), { timeoutMs: 15_000 });
    for (let i = 20; i < 30; i++) createFoo(s, 'ns-0', `foo-${String(i)}`, true);
    await eventually(() => expectAssigned(s, ['shard-a', 'shard-b']), { timeoutMs: 15_000 });
    expect(rec.assigned.every((a) => a.reason === 'unassigned' && a.from === '')).toBe(true);
    expect(rec.drains).toEqual([]);
  });

  it('moves a dead shard objects directly: takes its Lease over, no drain label', async () => {
    const s = await startServer();
    for (let i = 0; i < 20; i++) createFoo(s, 'ns', `foo-${String(i)}`, true);
    shard(s, 'shard-a');
    staleShardLease(s, 'shard-dead');
    const rec = sharder(s);
    await eventually(() => expectAssigned(s, ['shard-a', 'shard-dead']), { timeoutMs: 15_000 });
    // Nobody renews shard-dead: after its lease duration (2 s, by the sharder's observation)
    // the sharder takes the Lease over and relabels its objects without a drain.
    await eventually(() => expectAssigned(s, ['shard-a']), { timeoutMs: 15_000 });
    expect(rec.drains).toEqual([]);
    expect(rec.assigned.some((a) => a.reason === 'dead-shard' && a.from === 'shard-dead')).toBe(
      true,
    );
    for (const labels of labelsOf(s, shardKey).values()) expect(labels[drainKey]).toBeUndefined();
    // With no objects left, the taken-over Lease is deleted.
    await eventually(() => expect(s.get(leasesResourceDef, 'ns', 'shard-dead')).toBeUndefined(), {
      timeoutMs: 10_000,
    });
  });

  it('moves a graceful leaver objects at once (its Lease is deleted)', async () => {
    const s = await startServer();
    for (let i = 0; i < 20; i++) createFoo(s, 'ns', `foo-${String(i)}`);
    shard(s, 'shard-a');
    const b = shard(s, 'shard-b');
    sharder(s);
    await eventually(() => expectAssigned(s, ['shard-a', 'shard-b']), { timeoutMs: 15_000 });
    await b.leave();
    // Well below the lease duration (2 s) would be the proof; the bound here is generous.
    await eventually(() => expectAssigned(s, ['shard-a']), { timeoutMs: 15_000 });
  });

  it('moves objects between live shards only through the drain handshake', async () => {
    const s = await startServer();
    for (let i = 0; i < 30; i++) createFoo(s, 'ns', `foo-${String(i)}`, true);
    shard(s, 'shard-a');
    shard(s, 'shard-b');
    const rec = sharder(s);
    await eventually(() => expectAssigned(s, ['shard-a', 'shard-b']), { timeoutMs: 15_000 });
    // The old shards acknowledge drains (remove both labels), as a shard's controller does.
    let acks = 0;
    const ack = setInterval(() => {
      for (const def of [Foo, Bar]) {
        for (const o of s.list(def).items) {
          const l = o.metadata?.labels ?? {};
          if (l[drainKey] !== 'true') continue;
          s.patch(def, o.metadata?.namespace, o.metadata?.name ?? '', [
            { op: 'test', path: '/metadata/resourceVersion', value: o.metadata?.resourceVersion },
            { op: 'remove', path: `/metadata/labels/${drainKey.replace('/', '~1')}` },
            { op: 'remove', path: `/metadata/labels/${shardKey.replace('/', '~1')}` },
          ]);
          acks++;
        }
      }
    }, 50);
    cleanups.push(() => clearInterval(ack));
    const before = labelsOf(s, shardKey);
    shard(s, 'shard-c');
    await eventually(() => expectAssigned(s, ['shard-a', 'shard-b', 'shard-c']), {
      timeoutMs: 15_000,
    });
    const after = labelsOf(s, shardKey);
    let moved = 0;
    for (const [k, l] of after) if (l[shardKey] !== before.get(k)?.[shardKey]) moved++;
    expect(moved).toBeGreaterThan(0);
    // Every move went through a drain acknowledged by the old shard, and only onto shard-c.
    expect(acks).toBe(moved);
    // The sharder reports a move when the answer to its PATCH arrives, which may be after the
    // server (read above) applied it.
    await eventually(() => expect(rec.drainMs).toHaveLength(moved));
    expect(rec.drains).toHaveLength(moved);
    const moves = rec.assigned.filter((a) => a.from !== '');
    expect(moves.every((a) => a.to === 'shard-c' && a.reason === 'unassigned')).toBe(true);
  });

  it('takes a dead shard label off an object outside the ring, so the dead Lease can go', async () => {
    const s = await startServer();
    createFoo(s, 'ns', 'foo-0');
    // A Bar without a controller owner has no partition key; it still names the dead shard.
    s.create(Bar, {
      apiVersion: Bar.apiVersion,
      kind: 'Bar',
      metadata: { namespace: 'ns', name: 'orphan', labels: { [shardKey]: 'shard-dead' } },
    });
    shard(s, 'shard-a');
    staleShardLease(s, 'shard-dead');
    sharder(s);
    await eventually(
      () => expect(s.get(Bar, 'ns', 'orphan')?.metadata?.labels?.[shardKey]).toBeUndefined(),
      { timeoutMs: 15_000 },
    );
    await eventually(() => expect(s.get(leasesResourceDef, 'ns', 'shard-dead')).toBeUndefined(), {
      timeoutMs: 10_000,
    });
  });

  // The scale: 3 shards, 3 000 Foos. Tolerance as the ring's (100 virtual nodes):
  // each shard gets 1/3 ± 30 %.
  it('assigns 3 000 objects over 3 shards, each about a third', async () => {
    const s = await startServer();
    for (let i = 0; i < 3000; i++) createFoo(s, `ns-${String(i % 10)}`, `foo-${String(i)}`);
    const ids = ['shard-0', 'shard-1', 'shard-2'];
    for (const id of ids) shard(s, id);
    sharder(s);
    await eventually(
      () =>
        expect(s.list(Foo).items.every((o) => o.metadata?.labels?.[shardKey] !== undefined)).toBe(
          true,
        ),
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expectAssigned(s, ids);
    const counts = new Map<string, number>();
    for (const o of s.list(Foo).items) {
      const l = o.metadata?.labels?.[shardKey] ?? '';
      counts.set(l, (counts.get(l) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(ids);
    for (const n of counts.values()) expect(Math.abs(n / 1000 - 1)).toBeLessThanOrEqual(0.3);
  }, 90_000);

  it('rejects bad options before any request', async () => {
    const s = await startServer();
    const base = {
      kubeConfig: s.kubeConfig,
      namespace: 'ns',
      ring: 'foos',
      resources: [{ definition: Foo, primary: true }],
      signal: new AbortController().signal,
      logger: silentLogger,
    };
    for (const bad of [
      { ring: 'Foos' },
      { namespace: '' },
      { resources: [{ definition: Foo, primary: false }] },
      { resources: [{ definition: { kind: 'Foo' } as unknown as typeof Foo, primary: true }] },
      { virtualNodes: 0 },
    ]) {
      let caught: unknown;
      try {
        await runSharder({ ...base, ...bad });
      } catch (err) {
        caught = err;
      }
      expect(isShardingConfigError(caught), JSON.stringify(bad)).toBe(true);
    }
    expect(s.requests.count()).toBe(0);
  });

  it('reports objects assigned per live shard', async () => {
    const s = await startServer();
    for (let i = 0; i < 20; i++) createFoo(s, 'ns', `foo-${String(i)}`);
    shard(s, 'shard-a');
    shard(s, 'shard-b');
    const counts = new Map<string, number>();
    const stop = new AbortController();
    const done = runSharder({
      kubeConfig: s.kubeConfig,
      namespace: 'ns',
      ring: 'foos',
      resources: [{ definition: Foo, primary: true }],
      leaderElection: {
        identity: 'sharder-1',
        leaseDurationMs: 2000,
        renewDeadlineMs: 1000,
        retryPeriodMs: 200,
      },
      resyncIntervalMs: 100,
      signal: stop.signal,
      logger: silentLogger,
      metrics: { objectsAssigned: (_ring, shard, n) => counts.set(shard, n) },
    });
    cleanups.push(async () => {
      stop.abort();
      await done;
    });
    await eventually(() => expectAssigned(s, ['shard-a', 'shard-b']), { timeoutMs: 15_000 });
    const ring = createRing({ shards: ['shard-a', 'shard-b'] });
    const want = new Map<string, number>();
    for (const o of s.list(Foo).items) {
      const sh = ring.shardFor(`ns/${o.metadata?.name ?? ''}`) ?? '';
      want.set(sh, (want.get(sh) ?? 0) + 1);
    }
    await eventually(() => expect(counts).toEqual(want));
  });

  it(
    'moves nothing off an expired shard until its Lease is taken over',
    { timeout: 60_000 },
    async () => {
      const s = await startServer();
      for (let i = 0; i < 20; i++) createFoo(s, 'ns', `foo-${String(i)}`);
      // Two shards whose Leases the test renews through the server's own API (not over HTTP, so
      // the fault below only hits the sharder's writes).
      staleShardLease(s, 'shard-a');
      staleShardLease(s, 'shard-x');
      let renewX = true;
      const renew = setInterval(() => {
        for (const name of renewX ? ['shard-a', 'shard-x'] : ['shard-a']) {
          const l = s.get(leasesResourceDef, 'ns', name) as
            { spec?: Record<string, unknown> } | undefined;
          if (l === undefined) continue;
          s.update(leasesResourceDef, {
            ...l,
            spec: { ...l.spec, renewTime: new Date().toISOString() },
          } as KubeObject);
        }
      }, 200);
      cleanups.push(() => clearInterval(renew));
      // A 5 s renew deadline: the sharder's own election renewals fail too under the fault below,
      // and it must go on leading meanwhile (a new election Lease is led one duration after its
      // creation: 6 s).
      sharder(s, 'sharder-1', { leaseDurationMs: 6000, renewDeadlineMs: 5000, retryPeriodMs: 200 });
      await eventually(() => expectAssigned(s, ['shard-a', 'shard-x']), { timeoutMs: 20_000 });
      const onX = s.list(Foo).items.filter((o) => o.metadata?.labels?.[shardKey] === 'shard-x');
      expect(onX.length).toBeGreaterThan(0);
      // shard-x stops renewing, and the sharder's takeover (a PUT of its Lease) fails.
      const fault = s.faults.nextResponses(10_000, {
        status: 500,
        verb: 'update',
        resource: 'leases.coordination.k8s.io',
      });
      s.requests.clear();
      renewX = false;
      await eventually(
        () =>
          expect(
            s.requests.entries.filter(
              (r) => r.verb === 'update' && r.path.endsWith('/leases/shard-x'),
            ).length,
          ).toBeGreaterThanOrEqual(3),
        { timeoutMs: 15_000 },
      );
      // Several takeovers failed: shard-x's objects have not moved, no drain either.
      for (const o of onX) {
        const now = s.get(Foo, 'ns', o.metadata?.name ?? '');
        expect(now?.metadata?.labels?.[shardKey]).toBe('shard-x');
        expect(now?.metadata?.labels?.[drainKey]).toBeUndefined();
      }
      fault.clear();
      await eventually(() => expectAssigned(s, ['shard-a']), { timeoutMs: 15_000 });
      expect(
        (
          s.get(leasesResourceDef, 'ns', 'shard-x') as
            { spec?: { holderIdentity?: string } } | undefined
        )?.spec?.holderIdentity ?? 'deleted',
      ).not.toBe('shard-x');
    },
  );

  it('goes on assigning after the leading sharder stops (the other replica takes over)', async () => {
    const s = await startServer();
    for (let i = 0; i < 10; i++) createFoo(s, 'ns', `foo-${String(i)}`);
    shard(s, 'shard-a');
    shard(s, 'shard-b');
    const stop1 = new AbortController();
    const first = runSharder({
      kubeConfig: s.kubeConfig,
      namespace: 'ns',
      ring: 'foos',
      resources: [{ definition: Foo, primary: true }],
      leaderElection: {
        identity: 'sharder-1',
        leaseDurationMs: 2000,
        renewDeadlineMs: 1000,
        retryPeriodMs: 200,
      },
      resyncIntervalMs: 100,
      signal: stop1.signal,
      logger: silentLogger,
    });
    cleanups.push(async () => {
      stop1.abort();
      await first;
    });
    await eventually(() => expectAssigned(s, ['shard-a', 'shard-b']), { timeoutMs: 15_000 });
    sharder(s, 'sharder-2');
    stop1.abort();
    await first; // released its election Lease
    for (let i = 10; i < 20; i++) createFoo(s, 'ns', `foo-${String(i)}`);
    await eventually(() => expectAssigned(s, ['shard-a', 'shard-b']), { timeoutMs: 15_000 });
    expect(
      (s.get(leasesResourceDef, 'ns', 'foos-sharder') as { spec?: { holderIdentity?: string } })
        .spec?.holderIdentity,
    ).toBe('sharder-2');
  });

  // The scale test at the protocol level: 3 → 5 → 2 shards over 300 Foos. The ring is
  // deterministic, so the sharder must move exactly the objects whose ring answer changed — and
  // that is about 2/5 on 3 → 5 (two new shards) and the three leavers' share on 5 → 2.
  it('moves exactly what the ring says on 3 → 5 → 2 shards, about 1/N per shard changed', async () => {
    const s = await startServer();
    for (let i = 0; i < 300; i++) createFoo(s, `ns-${String(i % 3)}`, `foo-${String(i)}`);
    const ids = ['s-0', 's-1', 's-2', 's-3', 's-4'];
    const shards = new Map(ids.slice(0, 3).map((id) => [id, shard(s, id)]));
    const rec = sharder(s);
    // Old shards acknowledge drains, as a shard's controller does.
    const ack = setInterval(() => {
      for (const o of s.list(Foo).items) {
        if (o.metadata?.labels?.[drainKey] !== 'true') continue;
        s.patch(Foo, o.metadata.namespace, o.metadata.name ?? '', [
          { op: 'test', path: '/metadata/resourceVersion', value: o.metadata.resourceVersion },
          { op: 'remove', path: `/metadata/labels/${drainKey.replace('/', '~1')}` },
          { op: 'remove', path: `/metadata/labels/${shardKey.replace('/', '~1')}` },
        ]);
      }
    }, 50);
    cleanups.push(() => clearInterval(ack));
    const snapshot = (): Map<string, string | undefined> =>
      new Map(
        s.list(Foo).items.map((o) => [o.metadata?.name ?? '', o.metadata?.labels?.[shardKey]]),
      );
    const changed = (a: string[], b: string[]): number => {
      const ra = createRing({ shards: a });
      const rb = createRing({ shards: b });
      return s.list(Foo).items.filter((o) => {
        const k = `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
        return ra.shardFor(k) !== rb.shardFor(k);
      }).length;
    };
    const moved = (a: Map<string, string | undefined>, b: Map<string, string | undefined>) =>
      [...a].filter(([k, v]) => b.get(k) !== v).length;

    await eventually(() => expectAssigned(s, ids.slice(0, 3)), { timeoutMs: 15_000 });
    const at3 = snapshot();
    for (const id of ids.slice(3)) shards.set(id, shard(s, id));
    await eventually(() => expectAssigned(s, ids), { timeoutMs: 20_000 });
    const at5 = snapshot();
    const up = moved(at3, at5);
    expect(up).toBe(changed(ids.slice(0, 3), ids));
    expect(Math.abs(up / (300 * (2 / 5)) - 1)).toBeLessThanOrEqual(0.5);
    // Every move onto the new shards went through a drain.
    await eventually(() => expect(rec.drainMs).toHaveLength(up));

    for (const id of ['s-1', 's-3', 's-4']) await shards.get(id)?.leave();
    await eventually(() => expectAssigned(s, ['s-0', 's-2']), { timeoutMs: 20_000 });
    const down = moved(at5, snapshot());
    expect(down).toBe(changed(ids, ['s-0', 's-2']));
    expect(Math.abs(down / (300 * (3 / 5)) - 1)).toBeLessThanOrEqual(0.5);
    // Graceful leavers' objects move directly: no new drains.
    expect(rec.drains).toHaveLength(up);
  }, 60_000);

  it('logs each shard joining as its own line (the repeat policy does not fold shards together)', async () => {
    const s = await startServer();
    const lines: { fields: Record<string, unknown>; msg: string | undefined }[] = [];
    const record =
      () =>
      (f: object | string, msg?: string): void => {
        if (typeof f === 'string') lines.push({ fields: {}, msg: f });
        else lines.push({ fields: f as Record<string, unknown>, msg });
      };
    const logger = { debug: record(), info: record(), warn: record(), error: record() };
    shard(s, 'shard-a');
    shard(s, 'shard-b');
    shard(s, 'shard-c');
    const stop = new AbortController();
    const done = runSharder({
      kubeConfig: s.kubeConfig,
      namespace: 'ns',
      ring: 'foos',
      resources: [{ definition: Foo, primary: true }],
      leaderElection: {
        identity: 'sharder-1',
        leaseDurationMs: 2000,
        renewDeadlineMs: 1000,
        retryPeriodMs: 200,
      },
      resyncIntervalMs: 100,
      signal: stop.signal,
      logger,
    });
    cleanups.push(async () => {
      stop.abort();
      await done;
    });
    await eventually(
      () =>
        expect(
          lines
            .filter((l) => l.msg === 'shard joined the ring')
            .map((l) => l.fields.shard)
            .sort(),
        ).toEqual(['shard-a', 'shard-b', 'shard-c']),
      { timeoutMs: 15_000 },
    );
  });
});

import { isAbortError } from '@kubecache/core';
import {
  ResponseDecodeError,
  isApiStatusError,
  isConnectionRefused,
  isResponseDecodeError,
} from '@kubecache/listwatch';
import type { ApiServer } from '@kubecache/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { isConflict, isInvalidLeaseError, isLeaderElectionConfigError } from './errors.js';
import { createLeaseLock, type LeaseLockOptions } from './lease-lock.js';
import type { LeaderElectionRecord } from './record.js';
import { leases, startLeaseServer } from './test-support/server.js';

const record = (holder: string, transitions = 0): LeaderElectionRecord => ({
  holderIdentity: holder,
  leaseDurationSeconds: 15,
  acquireTime: '2026-01-01T00:00:00.000000Z',
  renewTime: '2026-01-01T00:00:02.000000Z',
  leaderTransitions: transitions,
});

let server: ApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const signal = (): AbortSignal => new AbortController().signal;

/** A lock on the Lease default/ctl of `s` for `identity`. */
const lockOn = (s: ApiServer, identity: string, extra: Partial<LeaseLockOptions> = {}) =>
  createLeaseLock({
    kubeConfig: s.kubeConfig,
    namespace: 'default',
    name: 'ctl',
    identity,
    ...extra,
  });

describe('LeaseLock over the in-process API server (real HTTPS, bearer token)', () => {
  it('reads a missing lease as undefined, creates it, and reads back the record it wrote', async () => {
    server = await startLeaseServer({ tls: true, token: 't0ken' });
    const lock = lockOn(server, 'a', { labels: { app: 'ctl' } });
    expect(lock.describe()).toBe('default/ctl');
    expect(await lock.get(signal())).toBeUndefined();
    const created = await lock.create(record('a'), signal());
    expect(created.record).toEqual(record('a'));
    expect(created.invalid).toBeUndefined();
    const stored = server.get(leases, 'default', 'ctl') as {
      metadata: { labels: object };
      spec: object;
    };
    expect(stored.spec).toEqual({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: '2026-01-01T00:00:00.000000Z',
      renewTime: '2026-01-01T00:00:02.000000Z',
      leaseTransitions: 0,
    });
    expect(stored.metadata.labels).toEqual({ app: 'ctl' });
    const read = await lock.get(signal());
    expect(read?.record).toEqual(record('a'));
    expect(read?.raw).toBe(created.raw);
    lock.close();
  });

  it('create of an existing lease is a 409 conflict (AlreadyExists)', async () => {
    server = await startLeaseServer();
    const a = lockOn(server, 'a');
    const b = lockOn(server, 'b');
    await a.create(record('a'), signal());
    const err = await b.create(record('b'), signal()).catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    expect((err as { reason: string }).reason).toBe('AlreadyExists');
    a.close();
    b.close();
  });

  it('update is conditional on the resourceVersion last read: a write in between makes it a 409 and changes nothing', async () => {
    server = await startLeaseServer();
    const a = lockOn(server, 'a');
    const b = lockOn(server, 'b');
    await expect(a.update(record('a'), signal())).rejects.toThrow(/not read yet/);
    await a.create(record('a'), signal());
    await b.get(signal());
    await a.update(record('a', 0), signal()); // a's renewal: b's version is now stale
    const err = await b.update(record('b', 1), signal()).catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    expect(isApiStatusError(err) && err.code).toBe(409);
    expect(
      (server.get(leases, 'default', 'ctl') as { spec: { holderIdentity: string } }).spec
        .holderIdentity,
    ).toBe('a');
    // After a fresh read b's write goes through.
    await b.get(signal());
    const written = await b.update(record('b', 1), signal());
    expect(written.record.holderIdentity).toBe('b');
    a.close();
    b.close();
  });

  it('a lease with garbage fields reads as a snapshot carrying an InvalidLeaseError that names them', async () => {
    server = await startLeaseServer();
    server.create(leases, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'ctl', namespace: 'default' },
      spec: {
        holderIdentity: 'x',
        leaseDurationSeconds: 'abc',
        renewTime: 'not a time',
        leaseTransitions: 1.5,
      },
    } as never);
    const lock = lockOn(server, 'a');
    const snap = await lock.get(signal());
    expect(isInvalidLeaseError(snap?.invalid)).toBe(true);
    expect(snap?.invalid?.fields).toEqual([
      'leaseDurationSeconds',
      'renewTime',
      'leaseTransitions',
    ]);
    expect(snap?.invalid?.lock).toBe('default/ctl');
    expect(snap?.record.holderIdentity).toBe('x');
    // The lock can still overwrite it (the elector does, once it stayed unchanged long enough).
    const fixed = await lock.update(record('a', 1), signal());
    expect(fixed.invalid).toBeUndefined();
    lock.close();
  });

  it('server errors are ApiStatusErrors with their code; a server that is down refuses the connection; aborts are AbortedErrors', async () => {
    server = await startLeaseServer();
    const lock = lockOn(server, 'a');
    server.faults.nextResponses(1, { status: 500, verb: 'get' });
    const err500 = await lock.get(signal()).catch((e: unknown) => e);
    expect(isApiStatusError(err500) && err500.code).toBe(500);
    server.faults.nextResponses(1, {
      status: 403,
      verb: 'get',
      body: '<html>denied</html>',
      contentType: 'text/html',
    });
    const err403 = await lock.get(signal()).catch((e: unknown) => e);
    expect(isApiStatusError(err403) && err403.reason).toBe('Forbidden');
    const ctl = new AbortController();
    ctl.abort();
    expect(isAbortError(await lock.get(ctl.signal).catch((e: unknown) => e))).toBe(true);
    await server.faults.down();
    const refused = await lock.get(signal()).catch((e: unknown) => e);
    expect(isConnectionRefused(refused)).toBe(true);
    await server.faults.up();
    expect(await lock.get(signal())).toBeUndefined();
    lock.close();
  });

  it('an answer that is not a Lease with a resourceVersion rejects with a ResponseDecodeError (status 200) naming the request', async () => {
    server = await startLeaseServer();
    const lock = lockOn(server, 'a');
    server.faults.nextResponses(1, {
      status: 200,
      verb: 'get',
      body: JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: {} }),
    });
    const err = await lock.get(signal()).catch((e: unknown) => e);
    expect(isResponseDecodeError(err)).toBe(true);
    expect(err).toBeInstanceOf(ResponseDecodeError);
    expect((err as ResponseDecodeError).name).toBe('ResponseDecodeError');
    expect((err as ResponseDecodeError).statusCode).toBe(200);
    expect((err as ResponseDecodeError).message).toBe(
      'GET lease default/ctl: the answer is not a Lease with a resourceVersion',
    );
    // Nothing was kept from it: an update still needs a read first.
    await expect(lock.update(record('a'), signal())).rejects.toThrow(/not read yet/);
    lock.close();
  });

  it('refuses an empty namespace, name or identity with a LeaderElectionConfigError', () => {
    const kubeConfig = {
      getCurrentCluster: () => ({ server: 'http://127.0.0.1:1' }),
      applyToHTTPSOptions: async () => undefined,
    };
    for (const field of ['namespace', 'name', 'identity'] as const) {
      const o = { kubeConfig, namespace: 'n', name: 'x', identity: 'i', [field]: '' };
      let caught: unknown;
      try {
        createLeaseLock(o);
      } catch (e) {
        caught = e;
      }
      expect(isLeaderElectionConfigError(caught) && caught.field).toBe(field);
    }
  });
});

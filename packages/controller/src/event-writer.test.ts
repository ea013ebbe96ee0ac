// The event writer (event-writer.ts) through the recorder, over real HTTP: retries and their
// limit, errors that are not retried, the shutdown flush and its deadline, writes held until
// `run`, and the create / PATCH turns of a series.
import type { KubeObject } from '@kubecache/core';
import { eventually } from '@kubecache/testing';
import { describe, expect, it } from 'vitest';
import { formatMicroTime } from './event-wire.js';
import {
  EVENTS,
  events,
  foo,
  settled,
  start,
  useRecorderFixtures,
} from './test-support/event-recorder.js';

const { setup } = useRecorderFixtures();

describe('event writer (through createEventRecorder over real HTTP, FakeClock)', () => {
  it('shutdown writes the count of an open series', async () => {
    const { s, r, run, ac } = await setup();
    for (let i = 0; i < 7; i++) r.eventf(foo, undefined, 'Warning', 'Failed', 'Create', 'boom');
    ac.abort();
    await run;
    const [e, ...rest] = events(s);
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ type: 'Warning', reason: 'Failed', series: { count: 7 } });
    // After shutdown, eventf is ignored (and still does not throw).
    r.eventf(foo, undefined, 'Normal', 'Synced', 'Reconcile', 'late');
    expect(r.pendingWrites()).toBe(0);
  });

  it('a server failing every write: eventf neither throws nor waits; 12 tries, then one error line', async () => {
    const { s, r, clock, log } = await setup();
    s.faults.nextResponses(100, { status: 500, verb: 'create', resource: EVENTS });
    for (let i = 0; i < 3; i++) {
      expect(r.eventf(foo, undefined, 'Normal', 'Synced', 'Reconcile', 'x')).toBeUndefined();
    }
    await eventually(() => {
      expect(log.some((l) => l.msg === 'unable to write event (may retry after sleeping)')).toBe(
        true,
      );
    });
    for (let i = 0; i < 12 && r.pendingWrites() > 0; i++) {
      await eventually(() => {
        expect(r.pendingWrites()).toBeLessThanOrEqual(1);
        expect(s.requests.count({ verb: 'create', resource: EVENTS })).toBeGreaterThan(i);
      });
      await clock.advance(12_500);
    }
    await settled(r);
    expect(s.requests.count({ verb: 'create', resource: EVENTS })).toBe(12);
    expect(log.filter((l) => l.msg === 'unable to write event (retry limit exceeded!)')).toEqual([
      expect.objectContaining({ level: 'error', fields: expect.objectContaining({ tries: 12 }) }),
    ]);
    expect(events(s)).toEqual([]);
  });

  it('a 403 is not retried: one error line, the event is dropped', async () => {
    const { s, r, log } = await setup();
    s.faults.nextResponses(1, { status: 403, verb: 'create', resource: EVENTS });
    r.eventf(foo, undefined, 'Normal', 'Synced', 'Reconcile', 'x');
    await settled(r);
    expect(s.requests.count({ verb: 'create', resource: EVENTS })).toBe(1);
    expect(log.filter((l) => l.msg === 'server rejected event (will not retry)')).toEqual([
      expect.objectContaining({ level: 'error' }),
    ]);
  });

  it('a server that never answers does not hold shutdown past its deadline', async () => {
    const { s, r, clock, log } = await setup();
    s.faults.stallNextRequests(10, { verb: 'create', resource: EVENTS });
    r.eventf(foo, undefined, 'Normal', 'Synced', 'Reconcile', 'x');
    await eventually(() => {
      expect(s.requests.count({ verb: 'create', resource: EVENTS })).toBe(1);
    });
    let done = false;
    const shut = r.shutdown({ timeoutMs: 2_000 }).then(() => {
      done = true;
    });
    await clock.advance(1_999);
    expect(done).toBe(false);
    await clock.advance(1);
    await shut;
    expect(log.filter((l) => l.msg.includes('shutdown deadline'))).toEqual([
      expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ dropped: 1 }) }),
    ]);
  });

  it('events recorded before run are written once it starts; AlreadyExists on a series create turns into the PATCH', async () => {
    // Not run yet; the jitter is Math.random's.
    const { s, r, log, ac } = await setup({ random: undefined }, { run: false });
    // The Event our create would make already exists (an earlier create whose answer was lost).
    const name = `foo-a.${(BigInt(start) * 1_000_000n + 1n).toString(16)}`;
    s.create(
      EVENTS,
      {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name, namespace: 'ns1' },
        eventTime: formatMicroTime(start),
        reportingController: 'foo-controller',
        reportingInstance: 'foo-controller-host1',
        action: 'Reconcile',
        reason: 'Synced',
        regarding: { apiVersion: 'example.com/v1', kind: 'Foo', namespace: 'ns1', name: 'foo-a' },
        note: 'n',
        type: 'Normal',
      } as KubeObject,
      { namespace: 'ns1' },
    );
    r.eventf(foo, undefined, 'Normal', 'Synced', 'Reconcile', 'n');
    r.eventf(foo, undefined, 'Normal', 'Synced', 'Reconcile', 'n');
    expect(r.pendingWrites()).toBe(1);
    expect(s.requests.count({ verb: 'create', resource: EVENTS })).toBe(0);
    void r.run(ac.signal);
    await settled(r);
    const [e, ...rest] = events(s);
    expect(rest).toEqual([]);
    expect(e!.metadata!.name).toBe(name);
    expect(e!.series?.count).toBe(2);
    expect(s.requests.count({ verb: 'create', resource: EVENTS })).toBe(1);
    expect(s.requests.count({ verb: 'patch', resource: EVENTS })).toBe(1);
    expect(log.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
  });

  it('a deleted series Event is created again on the next series write', async () => {
    const { s, r, clock } = await setup();
    r.eventf(foo, undefined, 'Normal', 'Synced', 'Reconcile', 'n');
    r.eventf(foo, undefined, 'Normal', 'Synced', 'Reconcile', 'n');
    await settled(r);
    const [e] = events(s);
    expect(e!.series?.count).toBe(2);
    s.delete(EVENTS, 'ns1', e!.metadata!.name!);
    r.eventf(foo, undefined, 'Normal', 'Synced', 'Reconcile', 'n');
    await clock.advance(720_000);
    await settled(r);
    const again = events(s);
    expect(again).toHaveLength(1);
    expect(again[0]!.metadata!.name).toBe(e!.metadata!.name);
    expect(again[0]!.series?.count).toBe(3);
  });
});

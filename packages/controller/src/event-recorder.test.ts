import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { combinedNotePrefix } from './event-correlator.js';
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

describe('createEventRecorder over real HTTP (in-process API server, FakeClock)', () => {
  it('one eventf creates one events.k8s.io/v1 Event with the recorded fields', async () => {
    const { s, r } = await setup();
    const related = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'ns1', name: 'web' };
    expect(r.eventf(foo, related, 'Normal', 'Synced', 'Reconcile', 'Foo synced')).toBeUndefined();
    await settled(r);
    const [e, ...rest] = events(s);
    expect(rest).toEqual([]);
    expect(e).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { namespace: 'ns1' },
      eventTime: '2026-12-06T06:00:00.123000Z',
      reportingController: 'foo-controller',
      reportingInstance: 'foo-controller-host1',
      action: 'Reconcile',
      reason: 'Synced',
      note: 'Foo synced',
      type: 'Normal',
      regarding: {
        apiVersion: 'example.com/v1',
        kind: 'Foo',
        namespace: 'ns1',
        name: 'foo-a',
        uid: 'uid-a',
        resourceVersion: '7',
      },
      related: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'ns1', name: 'web' },
    });
    expect(e!.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(e!.metadata!.name).toMatch(/^foo-a\.[0-9a-f]+$/);
    expect(e!.series).toBeUndefined();
    // The core/v1 view shows the same Event.
    const core = s.list('events', { namespace: 'ns1' }).items as Record<string, unknown>[];
    expect(core).toHaveLength(1);
    expect(core[0]).toMatchObject({ message: 'Foo synced', reportingComponent: 'foo-controller' });
  });

  it('5 identical events: one Event; series.count 2 at once, 5 once the series ends', async () => {
    const { s, r, clock } = await setup();
    for (let i = 0; i < 5; i++) {
      r.eventf(foo, undefined, 'Normal', 'Synced', 'Reconcile', 'Foo synced');
      await settled(r);
      await clock.advance(1_000);
    }
    expect(events(s)).toHaveLength(1);
    expect(events(s)[0]!.series).toEqual({
      count: 2,
      lastObservedTime: formatMicroTime(start + 1_000),
    });
    // No occurrence for 6 minutes: the sweep (every 6 minutes) writes the final count.
    await clock.advance(720_000);
    await settled(r);
    const [e, ...rest] = events(s);
    expect(rest).toEqual([]);
    expect(e!.series).toEqual({ count: 5, lastObservedTime: formatMicroTime(start + 4_000) });
    expect(e!.eventTime).toBe(formatMicroTime(start));
    expect(s.requests.count({ verb: 'create', resource: EVENTS })).toBe(1);
    expect(s.requests.count({ verb: 'patch', resource: EVENTS })).toBe(2);
    expect(s.requests.count({ verb: 'update', resource: EVENTS })).toBe(0);
    // The series ended: the next occurrence is a new Event.
    r.eventf(foo, undefined, 'Normal', 'Synced', 'Reconcile', 'Foo synced');
    await settled(r);
    expect(events(s)).toHaveLength(2);
  });

  it('folds similar events: 12 notes give 9 Events and one combined Event with series.count 3', async () => {
    const { s, r } = await setup();
    for (let i = 0; i < 12; i++) {
      r.eventf(foo, undefined, 'Warning', 'ErrResourceExists', 'Create', `note ${String(i)}`);
    }
    await r.shutdown();
    const all = events(s);
    expect(all).toHaveLength(10);
    const combined = all.filter((e) => e.note!.startsWith(combinedNotePrefix));
    expect(combined).toHaveLength(1);
    expect(combined[0]!.note).toBe(`${combinedNotePrefix}note 9`);
    expect(combined[0]!.series?.count).toBe(3);
    expect(all.filter((e) => e.series !== undefined)).toHaveLength(1);
  });

  it('spam filter: past 25 events about one object, events are dropped and logged', async () => {
    const { s, r, log } = await setup();
    for (let i = 0; i < 30; i++) r.eventf(foo, undefined, 'Normal', 'Synced', 'Reconcile', 'again');
    // Another object is not throttled.
    const other = { ...foo, metadata: { ...foo.metadata, name: 'foo-b', uid: 'uid-b' } };
    r.eventf(other, undefined, 'Normal', 'Synced', 'Reconcile', 'again');
    await r.shutdown();
    const byName = new Map(events(s).map((e) => [e.regarding!.name, e]));
    expect(byName.get('foo-a')!.series?.count).toBe(25);
    expect(byName.get('foo-b')!.series).toBeUndefined();
    const spam = log.filter((l) => l.msg === 'event dropped by the spam filter');
    expect(spam.length).toBeGreaterThanOrEqual(1);
    expect(spam[0]).toMatchObject({
      level: 'warn',
      fields: { component: 'event-recorder', key: 'ns1/foo-a', reason: 'Synced' },
    });
  });

  it('a note over 1024 bytes is cut to 1024 bytes, so the API accepts the Event', async () => {
    const { s, r, log } = await setup();
    r.eventf(foo, undefined, 'Warning', 'Failed', 'Reconcile', 'é'.repeat(1500));
    await settled(r);
    const [e] = events(s);
    expect(Buffer.byteLength(e!.note!, 'utf8')).toBeLessThanOrEqual(1024);
    expect(e!.note!.endsWith(' ...')).toBe(true);
    expect(log.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('a regarding object without apiVersion/kind is logged, not written, and not thrown', async () => {
    const { s, r, log } = await setup();
    r.eventf({ metadata: { name: 'x', namespace: 'ns1' } }, undefined, 'Normal', 'A', 'B', 'c');
    await settled(r);
    expect(events(s)).toEqual([]);
    expect(log.map((l) => l.msg)).toContain(
      'event not recorded: regarding needs apiVersion, kind and name',
    );
  });
});

describe('EventRecorder and the process lifetime', () => {
  it('does not keep a finished program alive: a recorder never aborted lets the process exit once its writes are done', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubecache-recorder-'));
    const script = join(dir, 'exit.mts');
    const here = dirname(fileURLToPath(import.meta.url));
    writeFileSync(
      script,
      [
        `import { startApiServer, eventually } from ${JSON.stringify(join(here, '../../testing/src/index.ts'))};`,
        `import { createEventRecorder } from ${JSON.stringify(join(here, 'event-recorder.ts'))};`,
        `const server = await startApiServer();`,
        `const recorder = createEventRecorder({ kubeConfig: server.kubeConfig, reportingController: 'c' });`,
        `void recorder.run(new AbortController().signal); // never aborted`,
        `const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'ns1', name: 'p', uid: 'u1' } };`,
        `recorder.eventf(pod, undefined, 'Normal', 'Synced', 'Reconcile', 'synced');`,
        `await eventually(() => { if (server.list('events.events.k8s.io', { namespace: 'ns1' }).items.length !== 1) throw new Error('not yet'); });`,
        `await server.close();`,
        `console.log('done');`,
      ].join('\n'),
    );
    const started = Date.now();
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], {
      encoding: 'utf8',
      timeout: 30_000, // housekeeping runs every 6 min: a kept-alive process is killed first
      cwd: here,
    });
    rmSync(dir, { recursive: true, force: true });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('done\n');
    expect(run.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 40_000);
});

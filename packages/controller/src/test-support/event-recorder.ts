// Test fixtures of the event recorder: an in-process API server, a recorder on a FakeClock with a
// logger that keeps its lines, and their teardown after each test.
import { FakeClock, type KubeObject, type Logger } from '@kubecache/core';
import { eventually, startApiServer, type ApiServer } from '@kubecache/testing';
import { afterEach, expect } from 'vitest';
import {
  createEventRecorder,
  type EventRecorder,
  type EventRecorderOptions,
} from '../event-recorder.js';

/** The events.k8s.io Events of the test server. */
export const EVENTS = 'events.events.k8s.io';
/** The FakeClock's start: 2026-12-06T06:00:00.123Z. */
export const start = Date.UTC(2026, 11, 6, 6, 0, 0, 123);

/** One line a {@link captureLogger} kept. */
export interface LogLine {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

/** A logger that keeps every line in `lines`. */
export function captureLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: string) =>
    (obj: object | string, msg?: string): void => {
      if (typeof obj === 'string') lines.push({ level, msg: obj, fields: {} });
      else lines.push({ level, msg: msg ?? '', fields: obj as Record<string, unknown> });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** The object the events are about. */
export const foo = {
  apiVersion: 'example.com/v1',
  kind: 'Foo',
  metadata: { namespace: 'ns1', name: 'foo-a', uid: 'uid-a', resourceVersion: '7' },
};

/** An events.k8s.io/v1 Event as the test server stores it. */
export type V1Event = KubeObject & {
  eventTime?: string;
  series?: { count: number; lastObservedTime: string };
  note?: string;
  reason?: string;
  action?: string;
  type?: string;
  regarding?: Record<string, string>;
  related?: Record<string, string>;
  reportingController?: string;
  reportingInstance?: string;
};

/** The Events of `namespace` on the server. */
export const events = (s: ApiServer, namespace = 'ns1'): V1Event[] =>
  s.list(EVENTS, { namespace }).items;

/** Waits until the recorder has nothing queued or in flight (real HTTP). */
export const settled = (r: EventRecorder): Promise<void> =>
  eventually(() => {
    expect(r.pendingWrites()).toBe(0);
  });

/** What {@link useRecorderFixtures}'s `setup` made. */
export interface RecorderFixture {
  s: ApiServer;
  r: EventRecorder;
  clock: FakeClock;
  log: LogLine[];
  /** The signal of `run`; the teardown aborts it. */
  ac: AbortController;
  /** `r.run(ac.signal)`, or undefined when `setup` was told not to run. */
  run: Promise<void> | undefined;
}

/**
 * Registers the teardown of the fixtures (`afterEach`: abort, a 1 ms shutdown, the server
 * closed); call it once at the top of a test file. `setup(options)` starts a server and a
 * recorder `foo-controller` / `foo-controller-host1` on a FakeClock at {@link start}, with a
 * capturing logger and `random: () => 0` (both replaced by `options`), and runs it unless
 * `{ run: false }`.
 */
export function useRecorderFixtures(): {
  setup: (
    options?: Partial<EventRecorderOptions>,
    how?: { run?: boolean },
  ) => Promise<RecorderFixture>;
} {
  let server: ApiServer | undefined;
  let recorder: EventRecorder | undefined;
  let ac: AbortController | undefined;
  afterEach(async () => {
    ac?.abort();
    await recorder?.shutdown({ timeoutMs: 1 });
    await server?.close();
    server = undefined;
    recorder = undefined;
    ac = undefined;
  });
  return {
    setup: async (options = {}, how = {}) => {
      server = await startApiServer();
      const clock = new FakeClock(start);
      const logger = captureLogger();
      recorder = createEventRecorder({
        kubeConfig: server.kubeConfig,
        reportingController: 'foo-controller',
        reportingInstance: 'foo-controller-host1',
        clock,
        logger,
        random: () => 0,
        ...options,
      });
      ac = new AbortController();
      const run = how.run === false ? undefined : recorder.run(ac.signal);
      return { s: server, r: recorder, clock, log: logger.lines, ac, run };
    },
  };
}

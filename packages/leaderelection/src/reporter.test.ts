import { FakeClock } from '@kubecache/core';
import { describe, expect, it, vi } from 'vitest';
import { createLeaderElector } from './leader-elector.js';
import { createReporter, repeatWindowMs } from './reporter.js';
import { captureLogger } from './test-support/sim.js';

describe('reporter', () => {
  it('writes one line per distinct cause and summarises repeats within the window', async () => {
    const clock = new FakeClock(0);
    const logger = captureLogger();
    const r = createReporter(logger, clock);
    const refused = new Error('connect ECONNREFUSED');
    for (let i = 0; i < 5; i++)
      r.report('warn', 'error retrieving resource lock', { lease: 'a/b' }, refused);
    r.report('warn', 'error retrieving resource lock', { lease: 'a/b' }, new Error('HTTP 500'));
    expect(logger.lines.map((l) => (l.fields.err as Error).message)).toEqual([
      'connect ECONNREFUSED',
      'HTTP 500',
    ]);
    await clock.advance(repeatWindowMs);
    r.report('warn', 'error retrieving resource lock', { lease: 'a/b' }, refused);
    expect(logger.lines[2]!.fields).toMatchObject({ lease: 'a/b', repeated: 4 });
  });

  it('with no logger, the elector prints core-format lines to stderr (core defaultLogger): one per cause', async () => {
    const printed: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      printed.push(String(chunk));
      return true;
    });
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.96.0.1:443'), {
      code: 'ECONNREFUSED',
    });
    const e = createLeaderElector({
      lock: {
        identity: 'pod-a',
        describe: () => 'my-system/my-controller',
        get: () => Promise.reject(refused),
        create: () => Promise.reject(refused),
        update: () => Promise.reject(refused),
      },
      name: 'my-system/my-controller',
      retryPeriodMs: 10,
      onStartedLeading: () => undefined,
      onStoppedLeading: () => undefined,
    });
    const ctl = new AbortController();
    const done = e.run(ctl.signal);
    try {
      await new Promise((r) => setTimeout(r, 100)); // several failed attempts
    } finally {
      ctl.abort();
      await done;
      spy.mockRestore();
    }
    expect(printed).toEqual([
      'kubecache warn leaderelection my-system/my-controller: error retrieving resource lock: connect ECONNREFUSED 10.96.0.1:443 (ECONNREFUSED) identity=pod-a\n',
    ]);
  });
});

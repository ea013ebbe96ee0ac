import { FakeClock } from '@kubecache/core';
import { describe, expect, it } from 'vitest';
import { createReporter, createStderrLogger, repeatWindowMs } from './reporter.js';
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

  it('the default stderr logger writes warnings and errors as one text line each and drops debug and info', () => {
    const out: string[] = [];
    const logger = createStderrLogger((l) => out.push(l));
    logger.debug({ a: 1 }, 'hidden');
    logger.info('hidden');
    logger.warn(
      {
        lease: 'default/my-controller',
        identity: 'pod-a',
        err: new Error('connect ECONNREFUSED 10.0.0.1:443'),
      },
      'error retrieving resource lock',
    );
    logger.error('stopped leading');
    expect(out).toEqual([
      'kubecache/leaderelection WARN error retrieving resource lock lease=default/my-controller identity=pod-a err="Error: connect ECONNREFUSED 10.0.0.1:443"\n',
      'kubecache/leaderelection ERROR stopped leading\n',
    ]);
  });
});

import { describe, expect, it, vi } from 'vitest';
import { createLeaderElector } from './leader-elector.js';
import { captureLogger } from './test-support/sim.js';

describe('reporter', () => {
  it("applies core's repeat policy to a user's logger: the first line with the Error (its stack), a summary when the elector stops", async () => {
    const logger = captureLogger();
    let gets = 0;
    const bug = (): Promise<never> => {
      gets++;
      return Promise.reject(new TypeError("Cannot read properties of undefined (reading 'spec')"));
    };
    const e = createLeaderElector({
      lock: {
        identity: 'pod-a',
        describe: () => 'my-system/my-controller',
        get: bug,
        create: bug,
        update: bug,
      },
      name: 'my-system/my-controller',
      retryPeriodMs: 5,
      logger,
      onStartedLeading: () => undefined,
      onStoppedLeading: () => undefined,
    });
    const ctl = new AbortController();
    const done = e.run(ctl.signal);
    while (gets < 20) await new Promise((r) => setTimeout(r, 5));
    ctl.abort();
    await done;
    const failures = logger.lines.filter((l) => l.msg === 'error retrieving resource lock');
    expect(failures).toHaveLength(2);
    expect(failures[0]!.fields.err).toBeInstanceOf(TypeError); // pino prints its stack
    expect((failures[0]!.fields.err as Error).stack).toContain('reporter.test.ts');
    expect(failures[1]!.fields).toMatchObject({
      component: 'leaderelection',
      resource: 'my-system/my-controller',
      identity: 'pod-a',
      err: "Cannot read properties of undefined (reading 'spec')",
      repeated: gets - 1,
    });
  });

  it('with no logger, the elector prints core-format lines to stderr (core defaultLogger): one per cause, its repeats counted when it stops', async () => {
    const printed: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      printed.push(String(chunk));
      return true;
    });
    let attempts = 0;
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.96.0.1:443'), {
      code: 'ECONNREFUSED',
    });
    const e = createLeaderElector({
      lock: {
        identity: 'pod-a',
        describe: () => 'my-system/my-controller',
        get: () => {
          attempts++;
          return Promise.reject(refused);
        },
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
      while (attempts < 5) await new Promise((r) => setTimeout(r, 5)); // several failed attempts
    } finally {
      ctl.abort();
      await done;
      spy.mockRestore();
    }
    // The first line of the cause, then (flushed when the elector stops) how many more there were.
    expect(printed).toHaveLength(2);
    expect(printed[0]).toBe(
      'kubecache warn leaderelection my-system/my-controller: error retrieving resource lock: connect ECONNREFUSED 10.96.0.1:443 (ECONNREFUSED) identity=pod-a\n',
    );
    expect(printed[1]).toBe(
      `kubecache warn leaderelection my-system/my-controller: error retrieving resource lock: connect ECONNREFUSED 10.96.0.1:443 (ECONNREFUSED) identity=pod-a (repeated ${String(attempts - 1)} times)\n`,
    );
  });
});

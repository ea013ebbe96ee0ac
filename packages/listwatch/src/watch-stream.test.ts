import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, isAbortError } from '@kubecache/core';
import {
  isApiStatusError,
  isExpired,
  isResponseDecodeError,
  isWatchDecodeError,
  isWatchIdleTimeoutError,
  type WatchDecodeError,
} from './errors.js';
import {
  collect,
  eventLine,
  openTcpSockets,
  podsOn,
  startRawServer,
  until,
  watchLines,
  type RawServer,
} from './raw-server.test-helper.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function raw(handler: Parameters<typeof startRawServer>[0]): Promise<RawServer> {
  const s = await startRawServer(handler);
  cleanups.push(() => s.close());
  return s;
}

describe('decodeWatchStream: bad input ends the watch with a typed error', () => {
  const cases: [string, string[], RegExp][] = [
    ['a malformed line', [eventLine('ADDED', 'a', '5'), '{not json\n'], /not JSON/],
    [
      'a line that is JSON but not an object',
      [eventLine('ADDED', 'a', '5'), '[1,2]\n'],
      /not a JSON object/,
    ],
    [
      'an unknown event type',
      [eventLine('ADDED', 'a', '5'), '{"type":"EXPLODED","object":{}}\n'],
      /unknown watch event type "EXPLODED"/,
    ],
    [
      'a missing event type',
      [eventLine('ADDED', 'a', '5'), '{"object":{}}\n'],
      /unknown watch event type \(missing\)/,
    ],
    [
      'an event without object',
      [eventLine('ADDED', 'a', '5'), '{"type":"ADDED"}\n'],
      /has no object/,
    ],
    [
      'an ERROR event whose object is not a Status',
      [eventLine('ADDED', 'a', '5'), '{"type":"ERROR","object":{"kind":"Pod"}}\n'],
      /without a Status/,
    ],
    [
      'a truncated last line',
      [eventLine('ADDED', 'a', '5'), '{"type":"ADDED","obj'],
      /ended in the middle of a line/,
    ],
  ];
  for (const [name, lines, message] of cases) {
    it(`reports ${name} as WatchDecodeError with the last good resource version, after the good events`, async () => {
      const s = await raw(watchLines(lines));
      const { events, error } = await collect(await podsOn(s.kubeConfig).watch({}));
      expect(events.map((e) => e.object.metadata?.name)).toEqual(['a']);
      expect(isWatchDecodeError(error)).toBe(true);
      expect((error as WatchDecodeError).message).toMatch(message);
      expect((error as WatchDecodeError).lastResourceVersion).toBe('5');
      expect((error as WatchDecodeError).line.length).toBeGreaterThan(0);
    });
  }

  it('reports invalid UTF-8 as WatchDecodeError', async () => {
    const s = await raw(
      watchLines([
        Buffer.concat([
          Buffer.from('{"type":"ADDED","object":{"metadata":{"name":"'),
          Buffer.from([0xff, 0xfe]),
          Buffer.from('"}}}\n'),
        ]),
      ]),
    );
    const { events, error } = await collect(await podsOn(s.kubeConfig).watch({}));
    expect(events).toEqual([]);
    expect(isWatchDecodeError(error)).toBe(true);
    expect(String(error)).toMatch(/not valid UTF-8/);
    expect((error as WatchDecodeError).lastResourceVersion).toBe('');
  });

  it('decodes a real U+FFFD and other non-ASCII text, also split across chunks', async () => {
    const line = Buffer.from(
      '{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"3","annotations":{"x":"\uFFFD é € 🙂"}}}}\n',
    );
    const cut = line.indexOf(Buffer.from('€')) + 1; // in the middle of a multi-byte character
    const s = await raw(watchLines([line.subarray(0, cut), line.subarray(cut)]));
    const { events, error } = await collect(await podsOn(s.kubeConfig).watch({}));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.object.metadata?.annotations?.x)).toEqual(['\uFFFD é € 🙂']);
  });

  it('turns an ERROR event carrying a Status into an ApiStatusError (410 Expired)', async () => {
    const status = {
      kind: 'Status',
      status: 'Failure',
      code: 410,
      reason: 'Expired',
      message: 'too old resource version: 1 (5)',
    };
    const s = await raw(
      watchLines([
        eventLine('MODIFIED', 'a', '7'),
        `${JSON.stringify({ type: 'ERROR', object: status })}\n`,
      ]),
    );
    const { events, error } = await collect(await podsOn(s.kubeConfig).watch({}));
    expect(events).toHaveLength(1);
    expect(isApiStatusError(error) && isExpired(error)).toBe(true);
    expect(isApiStatusError(error) && error.code).toBe(410);
  });

  it('reports a connection reset in the middle of the stream as an ECONNRESET error', async () => {
    const s = await raw((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(eventLine('ADDED', 'a', '1'));
      setTimeout(() => req.socket.destroy(), 20);
    });
    const { events, error } = await collect(await podsOn(s.kubeConfig).watch({}));
    expect(events).toHaveLength(1);
    expect((error as NodeJS.ErrnoException).code).toBe('ECONNRESET');
  });

  it('rejects a watch answered with 200 text/html (a proxy login page) with ResponseDecodeError', async () => {
    const s = await raw((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html>login</html>');
    });
    const err = await podsOn(s.kubeConfig)
      .watch({})
      .catch((e: unknown) => e);
    expect(isResponseDecodeError(err)).toBe(true);
    expect(String(err)).toMatch(/text\/html/);
  });
});

describe('decodeWatchStream: framing', () => {
  it('decodes lines split across many chunks, including a multi-byte character split in two', async () => {
    const line = Buffer.from(eventLine('ADDED', `é-${'x'.repeat(5000)}-ü`, '9'));
    const s = await raw((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      // 7-byte chunks cut through the two-byte characters.
      const write = (i: number): void => {
        if (i >= line.length) {
          res.end('\n\n'); // blank lines are skipped
          return;
        }
        res.write(line.subarray(i, i + 7), () => write(i + 7));
      };
      write(0);
    });
    const { events, error } = await collect(await podsOn(s.kubeConfig).watch({}));
    expect(error).toBeUndefined();
    expect(events).toHaveLength(1);
    expect(events[0]?.object.metadata?.name).toBe(`é-${'x'.repeat(5000)}-ü`);
  });

  it('decodes many events arriving in one chunk, in order', async () => {
    const lines = Array.from({ length: 200 }, (_, i) => eventLine('MODIFIED', 'p', String(i + 1)));
    const s = await raw(watchLines([lines.join('')]));
    const { events } = await collect(await podsOn(s.kubeConfig).watch({}));
    expect(events.map((e) => e.object.metadata?.resourceVersion)).toEqual(
      lines.map((_, i) => String(i + 1)),
    );
  });

  it('rejects a line above maxLineBytes and closes the connection without reading the rest', async () => {
    // Far more than the kernel's socket buffers (up to ~10 MB on loopback) can absorb.
    const big = eventLine('ADDED', 'x'.repeat(48 * 1024 * 1024), '9');
    const chunk = 64 * 1024;
    const chunks = Math.ceil(big.length / chunk);
    let written = 0;
    let closedAfter = -1;
    const s = await raw((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      req.socket.on('close', () => (closedAfter = written));
      res.on('error', () => undefined);
      const write = (i: number): void => {
        if (i >= big.length || closedAfter >= 0) return;
        written++;
        res.write(big.slice(i, i + chunk), () => write(i + chunk));
      };
      write(0);
    });
    const { error } = await collect(await podsOn(s.kubeConfig, { maxLineBytes: 10_000 }).watch({}));
    expect(isWatchDecodeError(error)).toBe(true);
    expect(String(error)).toMatch(/longer than 10000 bytes/);
    expect((error as WatchDecodeError).line.startsWith('{"type":"ADDED"')).toBe(true);
    await until(() => closedAfter >= 0);
    expect(closedAfter).toBeLessThan(chunks);
  });

  it('rejects a single-chunk line above maxLineBytes', async () => {
    const s = await raw(watchLines([eventLine('ADDED', 'y'.repeat(5000), '2')]));
    const { error } = await collect(await podsOn(s.kubeConfig, { maxLineBytes: 1000 }).watch({}));
    expect(String(error)).toMatch(/longer than 1000 bytes/);
  });

  it('handles a 50 MB line with the default 64 MiB limit', async () => {
    const obj = {
      kind: 'Pod',
      metadata: {
        name: 'big',
        resourceVersion: '3',
        annotations: { blob: 'a'.repeat(50 * 1024 * 1024) },
      },
    };
    const line = Buffer.from(`${JSON.stringify({ type: 'ADDED', object: obj })}\n`);
    const s = await raw(watchLines([line]));
    const { events, error } = await collect(await podsOn(s.kubeConfig).watch({}));
    expect(error).toBeUndefined();
    expect(events[0]?.object.metadata?.annotations?.['blob']?.length).toBe(50 * 1024 * 1024);
  });
});

describe('decodeWatchStream: flow control, timeouts and release', () => {
  it('pauses the socket when the consumer lags (the server sees backpressure) and delivers everything in order', async () => {
    const total = 5000;
    let blocked = false;
    const s = await raw((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      let i = 0;
      const pump = (): void => {
        while (i < total) {
          i++;
          if (!res.write(eventLine('MODIFIED', 'p', String(i)))) {
            blocked = true;
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    const w = await podsOn(s.kubeConfig, { highWaterMark: 10 }).watch({});
    await until(() => blocked);
    const seen: string[] = [];
    for await (const e of w) seen.push(e.object.metadata?.resourceVersion ?? '');
    expect(seen).toHaveLength(total);
    expect(seen.every((rv, i) => rv === String(i + 1))).toBe(true);
  });

  it('serves concurrent next() calls one after the other', async () => {
    const s = await raw(watchLines(['1', '2', '3'].map((rv) => eventLine('ADDED', `p${rv}`, rv))));
    const it = (await podsOn(s.kubeConfig).watch({}))[Symbol.asyncIterator]();
    const results = await Promise.all([it.next(), it.next(), it.next(), it.next()]);
    expect(results.map((r) => (r.done ? 'done' : r.value.object.metadata?.name))).toEqual([
      'p1',
      'p2',
      'p3',
      'done',
    ]);
  });

  it('ends a silent watch with WatchIdleTimeoutError and destroys the socket (injected clock)', async () => {
    const clock = new FakeClock();
    const s = await raw(watchLines([eventLine('ADDED', 'a', '1')], false));
    const w = await podsOn(s.kubeConfig, { idleTimeoutMs: 1000, clock }).watch({});
    const it = w[Symbol.asyncIterator]();
    expect((await it.next()).value).toMatchObject({ type: 'ADDED' });
    const pending = it.next().catch((e: unknown) => e);
    await clock.advance(999);
    await clock.advance(2);
    const err = await pending;
    expect(isWatchIdleTimeoutError(err)).toBe(true);
    expect(isWatchIdleTimeoutError(err) && err.verb).toBe('watch');
    await until(() => s.sockets.size === 0);
  });

  it('does not count time paused for a slow consumer as idleness', async () => {
    const clock = new FakeClock();
    const lines = Array.from({ length: 50 }, (_, i) => eventLine('MODIFIED', 'p', String(i + 1)));
    const s = await raw(watchLines([lines.join('')], false)); // one chunk: queued at once
    const w = await podsOn(s.kubeConfig, { idleTimeoutMs: 1000, clock, highWaterMark: 5 }).watch(
      {},
    );
    const it = w[Symbol.asyncIterator]();
    await it.next();
    await new Promise((r) => setTimeout(r, 50)); // the rest arrives and the socket pauses
    await clock.advance(5000);
    let n = 1;
    while (n < 50) {
      const r = await it.next();
      expect(r.done).toBe(false);
      n++;
    }
    w.stop();
    expect(n).toBe(50);
  });

  it('stop() ends the iteration, discards buffered events and closes the connection', async () => {
    const s = await raw(
      watchLines([eventLine('ADDED', 'a', '1'), eventLine('ADDED', 'b', '2')], false),
    );
    const w = await podsOn(s.kubeConfig).watch({});
    const it = w[Symbol.asyncIterator]();
    await it.next();
    w.stop();
    w.stop();
    expect(await it.next()).toEqual({ value: undefined, done: true });
    await until(() => s.sockets.size === 0);
  });

  it('aborting the signal mid-watch ends the iteration with an abort error and releases the socket', async () => {
    const before = openTcpSockets();
    const s = await raw(watchLines([eventLine('ADDED', 'a', '1')], false));
    const ac = new AbortController();
    const lw = podsOn(s.kubeConfig);
    const w = await lw.watch({}, ac.signal);
    const it = w[Symbol.asyncIterator]();
    await it.next();
    const pending = it.next().catch((e: unknown) => e);
    ac.abort();
    expect(isAbortError(await pending)).toBe(true);
    await until(() => s.sockets.size === 0);
    lw.close();
    await until(() => openTcpSockets() <= before);
  });

  it('breaking out of for-await releases the socket', async () => {
    const s = await raw(watchLines([eventLine('ADDED', 'a', '1')], false));
    for await (const e of await podsOn(s.kubeConfig).watch({})) {
      expect(e.type).toBe('ADDED');
      break;
    }
    await until(() => s.sockets.size === 0);
  });
});

describe('decodeWatchStream: poll', () => {
  it('hands out already-decoded events without waiting, in order with next(), and never the end', async () => {
    const lines = ['1', '2', '3'].map((rv) => eventLine('MODIFIED', 'p', rv));
    const s = await raw(watchLines([lines.join('')]));
    const stream = await podsOn(s.kubeConfig).watch({});
    const it = stream[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    const rvs = [first.value?.object.metadata?.resourceVersion];
    for (let ev = stream.poll?.(); ev; ev = stream.poll?.())
      rvs.push(ev.object.metadata?.resourceVersion);
    expect(rvs).toEqual(['1', '2', '3']);
    expect(stream.poll?.()).toBeUndefined();
    expect((await it.next()).done).toBe(true);
    expect(stream.poll?.()).toBeUndefined();
  });
});

import type http from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClock, isAbortError, silentLogger } from '@kubecache/core';
import { isApiStatusError, isTooManyRequests, type ApiStatusError } from './errors.js';
import { listAllPages } from './pager.js';
import { podsOn, startRawServer, until, type RawServer } from './raw-server.test-helper.js';
import type { RequestRetry } from './with-retry.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function raw(handler: http.RequestListener): Promise<RawServer> {
  const s = await startRawServer(handler);
  cleanups.push(() => s.close());
  return s;
}

const list = (rv: string, items: string[] = [], cont = ''): string =>
  JSON.stringify({
    kind: 'PodList',
    apiVersion: 'v1',
    metadata: { resourceVersion: rv, ...(cont !== '' ? { continue: cont } : {}) },
    items: items.map((name) => ({ metadata: { name, namespace: 'ns' } })),
  });

/** Answers the first `n` requests with `code` (and a Status body), then with `ok`. */
function failFirst(
  n: number,
  code: number,
  headers: Record<string, string>,
  ok: (req: http.IncomingMessage) => string = () => list('5', ['p']),
): { handler: http.RequestListener; times: number[] } {
  const times: number[] = [];
  return {
    times,
    handler: (req, res) => {
      times.push(Date.now());
      if (times.length <= n) {
        res.writeHead(code, { 'Content-Type': 'application/json', ...headers });
        res.end(
          JSON.stringify({
            kind: 'Status',
            status: 'Failure',
            code,
            reason: code === 429 ? 'TooManyRequests' : '',
            message: `try later (${String(times.length)})`,
          }),
        );
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(ok(req));
    },
  };
}

describe('Retry-After on list and watch requests (client-go rest.withRetry)', () => {
  it('waits the Retry-After of two 429 answers before the third attempt, and reports both retries', async () => {
    const { handler, times } = failFirst(2, 429, { 'Retry-After': '1' });
    const s = await raw(handler);
    const retries: RequestRetry[] = [];
    const lw = podsOn(s.kubeConfig, {
      onRetry: (r) => retries.push(r),
      logger: silentLogger,
    });
    const result = await lw.list({ resourceVersion: '0' });
    expect(result.items.map((i) => i.metadata?.name)).toEqual(['p']);
    expect(times).toHaveLength(3);
    expect(times[2]! - times[0]!).toBeGreaterThanOrEqual(2000 - 5);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1000 - 5);
    expect(
      retries.map(({ verb, attempt, code, reason, delayMs, retryAfterSeconds, maxRetries }) => ({
        verb,
        attempt,
        code,
        reason,
        delayMs,
        retryAfterSeconds,
        maxRetries,
      })),
    ).toEqual([
      {
        verb: 'list',
        attempt: 1,
        code: 429,
        reason: 'TooManyRequests',
        delayMs: 1000,
        retryAfterSeconds: 1,
        maxRetries: 10,
      },
      {
        verb: 'list',
        attempt: 2,
        code: 429,
        reason: 'TooManyRequests',
        delayMs: 1000,
        retryAfterSeconds: 1,
        maxRetries: 10,
      },
    ]);
    expect(retries[0]?.path).toBe('/api/v1/pods?resourceVersion=0');
    expect(retries[1]?.message).toBe('try later (2)');
    expect(isTooManyRequests(retries[0]?.error)).toBe(true);
  });

  it('writes one warning per retry to the logger, with code, reason and delay', async () => {
    const { handler } = failFirst(1, 503, { 'Retry-After': '0' });
    const s = await raw(handler);
    const lines: { obj: object | string; msg: string | undefined }[] = [];
    const logger = {
      ...silentLogger,
      warn: (obj: object | string, msg?: string) => lines.push({ obj, msg }),
    };
    await podsOn(s.kubeConfig, { logger }).list({});
    expect(lines).toHaveLength(1);
    expect(lines[0]?.obj).toMatchObject({ component: 'listwatch', attempt: 1, retryInMs: 0 });
    expect(lines[0]?.msg).toBe('list answered 503 with Retry-After 0 s, retrying');
  });

  it("applies core's repeat policy to a user's logger: 20 retries are one call, then one with repeated: 19 on close()", async () => {
    const { handler } = failFirst(20, 429, { 'Retry-After': '0' });
    const s = await raw(handler);
    const lines: { obj: object | string; msg: string | undefined }[] = [];
    const logger = {
      ...silentLogger,
      warn: (obj: object | string, msg?: string) => lines.push({ obj, msg }),
    };
    const lw = podsOn(s.kubeConfig, { logger, maxRetries: 25 });
    await lw.list({});
    expect(lines).toHaveLength(1);
    expect(lines[0]?.obj).toMatchObject({ component: 'listwatch', attempt: 1 });
    lw.close?.();
    expect(lines).toHaveLength(2);
    expect(lines[1]?.msg).toBe('list answered 429 with Retry-After 0 s, retrying');
    expect(lines[1]?.obj).toMatchObject({
      component: 'listwatch',
      resource: 'pods.v1',
      attempt: 20,
      repeated: 19,
      err: expect.stringMatching(/^try later \(20\) \(429 TooManyRequests\)$/) as unknown,
    });
  });

  it('prints the retry on stderr by default, as one line per cause', async () => {
    const { handler } = failFirst(2, 429, { 'Retry-After': '0' });
    const s = await raw(handler);
    const printed: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      printed.push(String(chunk));
      return true;
    });
    try {
      await podsOn(s.kubeConfig).list({});
    } finally {
      spy.mockRestore();
    }
    expect(printed).toEqual([
      expect.stringMatching(
        /^kubecache warn listwatch pods\.v1: list answered 429 with Retry-After 0 s, retrying: .* \(429 TooManyRequests\) attempt=1 maxRetries=10 retryInMs=0\n$/,
      ),
    ]);
  });

  it('throws the last ApiStatusError, with retryAfterSeconds, after maxRetries retries', async () => {
    const { handler, times } = failFirst(100, 429, { 'Retry-After': '0' });
    const s = await raw(handler);
    const retries: RequestRetry[] = [];
    const err = (await podsOn(s.kubeConfig, {
      maxRetries: 3,
      onRetry: (r) => retries.push(r),
      logger: silentLogger,
    })
      .list({})
      .catch((e: unknown) => e)) as ApiStatusError;
    expect(isApiStatusError(err)).toBe(true);
    expect(err.code).toBe(429);
    expect(err.retryAfterSeconds).toBe(0);
    expect(err.message).toBe('try later (4)');
    expect(times).toHaveLength(4);
    expect(retries.map((r) => r.attempt)).toEqual([1, 2, 3]);
  });

  it('retries 10 times by default (11 requests), like client-go', async () => {
    const { handler, times } = failFirst(100, 500, { 'Retry-After': '0' });
    const s = await raw(handler);
    const err = await podsOn(s.kubeConfig, { logger: silentLogger })
      .list({})
      .catch((e: unknown) => e);
    expect(isApiStatusError(err)).toBe(true);
    expect(times).toHaveLength(11);
  });

  it('retries only 429 and 5xx answers that carry a Retry-After in seconds', async () => {
    const cases: [number, Record<string, string>][] = [
      [500, {}],
      [503, { 'Retry-After': 'Wed, 21 Oct 2015 07:28:00 GMT' }],
      [404, { 'Retry-After': '0' }],
      [410, { 'Retry-After': '0' }],
      [401, { 'Retry-After': '0' }],
    ];
    for (const [code, headers] of cases) {
      const { handler, times } = failFirst(1, code, headers);
      const s = await raw(handler);
      const retries: RequestRetry[] = [];
      const err = await podsOn(s.kubeConfig, { onRetry: (r) => retries.push(r) })
        .list({})
        .catch((e: unknown) => e);
      expect(isApiStatusError(err) && err.code).toBe(code);
      expect(times).toHaveLength(1);
      expect(retries).toEqual([]);
    }
  });

  it('retries every page of a paged list, and a watch', async () => {
    let page2Failures = 1;
    let watchFailures = 1;
    const s = await raw((req, res) => {
      const url = new URL(req.url ?? '', 'http://x');
      const failing =
        (url.searchParams.has('continue') && page2Failures-- > 0) ||
        (url.searchParams.has('watch') && watchFailures-- > 0);
      if (failing) {
        res.writeHead(429, { 'Retry-After': '0', 'Content-Type': 'text/plain' });
        res.end('slow down');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      if (url.searchParams.has('watch')) {
        res.end(
          `${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'w', resourceVersion: '9' } } })}\n`,
        );
      } else if (url.searchParams.has('continue')) res.end(list('7', ['b']));
      else res.end(list('7', ['a'], 'tok'));
    });
    const retries: RequestRetry[] = [];
    const lw = podsOn(s.kubeConfig, { onRetry: (r) => retries.push(r), logger: silentLogger });
    const all = await listAllPages(lw, { resourceVersion: '' }, undefined, { pageSize: 1 });
    expect(all.items.map((i) => i.metadata?.name)).toEqual(['a', 'b']);
    const w = await lw.watch({ resourceVersion: '7' });
    const first = await w[Symbol.asyncIterator]().next();
    expect(first.value).toMatchObject({ type: 'ADDED' });
    w.stop();
    expect(retries.map((r) => [r.verb, r.code, r.reason])).toEqual([
      ['list', 429, 'TooManyRequests'],
      ['watch', 429, 'TooManyRequests'],
    ]);
    expect(retries[0]?.path).toMatch(/continue=tok/);
  });

  it('settles promptly with an abort error when the signal fires during the wait', async () => {
    const { handler, times } = failFirst(100, 429, { 'Retry-After': '30' });
    const s = await raw(handler);
    const ac = new AbortController();
    const retries: RequestRetry[] = [];
    const pending = podsOn(s.kubeConfig, {
      onRetry: (r) => retries.push(r),
      logger: silentLogger,
    }).list({}, ac.signal);
    await until(() => retries.length === 1);
    const t0 = Date.now();
    ac.abort();
    await expect(pending).rejects.toSatisfy(isAbortError);
    expect(Date.now() - t0).toBeLessThan(500);
    expect(times).toHaveLength(1);
  });

  it('waits on the injected clock', async () => {
    const { handler, times } = failFirst(1, 429, { 'Retry-After': '5' });
    const s = await raw(handler);
    const clock = new FakeClock();
    const retries: RequestRetry[] = [];
    const pending = podsOn(s.kubeConfig, {
      clock,
      onRetry: (r) => retries.push(r),
      logger: silentLogger,
    }).list({});
    await until(() => retries.length === 1);
    await clock.advance(4999);
    await new Promise((r) => setTimeout(r, 30));
    expect(times).toHaveLength(1);
    await clock.advance(1);
    expect((await pending).items).toHaveLength(1);
    expect(times).toHaveLength(2);
  });
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { healthHandler, runHealthChecks, type HealthCheck } from './health.js';
import { hostileValue } from './test-support/hostile.js';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function get(url: string, method = 'GET') {
  const res = await fetch(url, { method });
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}

function check(name: string, state: { ok: boolean; reason?: string }): HealthCheck {
  return { name, check: () => state };
}

describe('healthHandler', () => {
  it('answers 200 ok on /healthz and /readyz when every check passes', async () => {
    const base = await serve(healthHandler([check('ping', { ok: true })]));
    expect(await get(`${base}/healthz`)).toEqual({
      status: 200,
      body: 'ok',
      type: 'text/plain; charset=utf-8',
    });
    expect((await get(`${base}/readyz`)).body).toBe('ok');
    expect((await get(`${base}/livez`)).status).toBe(200);
  });

  it('answers 503 with one line per check when one fails, and recovers when it passes again', async () => {
    const informer = { ok: false, reason: 'pods.v1 has not synced' };
    const base = await serve(
      healthHandler({
        healthz: [check('ping', { ok: true })],
        readyz: [check('ping', { ok: true }), check('informer-sync', informer)],
      }),
    );
    expect(await get(`${base}/readyz`)).toMatchObject({
      status: 503,
      body: '[+]ping ok\n[-]informer-sync failed: pods.v1 has not synced\n/readyz check failed\n',
    });
    expect((await get(`${base}/healthz`)).status).toBe(200); // liveness does not depend on sync
    informer.ok = true;
    expect(await get(`${base}/readyz`)).toMatchObject({ status: 200, body: 'ok' });
    expect((await get(`${base}/readyz?verbose`)).body).toBe(
      '[+]ping ok\n[+]informer-sync ok\n/readyz check passed\n',
    );
  });

  it('treats a check that throws as failed and never prints a secret from it', async () => {
    const base = await serve(
      healthHandler([
        {
          name: 'leader-election',
          check: () => {
            throw new Error('lease renew failed: Authorization: Bearer s3cret');
          },
        },
      ]),
    );
    const res = await get(`${base}/healthz`);
    expect(res.status).toBe(503);
    expect(res.body).toContain(
      '[-]leader-election failed: lease renew failed: Authorization: [REDACTED]',
    );
    expect(res.body).not.toContain('s3cret');
  });

  it('answers 404 for other paths and 405 for other methods', async () => {
    const base = await serve(healthHandler([]));
    expect((await get(`${base}/metrics`)).status).toBe(404);
    expect((await get(`${base}/healthz`, 'POST')).status).toBe(405);
    expect((await get(`${base}/healthz`, 'HEAD')).status).toBe(200);
  });

  it('runs checks without a server too', () => {
    expect(runHealthChecks([check('a', { ok: true }), check('b', { ok: false })])).toEqual({
      ok: false,
      lines: ['[+]a ok', '[-]b failed'],
    });
  });
});

describe('runHealthChecks with checks that throw or return anything', () => {
  it('never throws: a thrown or returned hostile value is a failed check (fast-check)', () => {
    fc.assert(
      fc.property(hostileValue(), fc.boolean(), (box, thrown) => {
        const report = runHealthChecks([
          {
            name: 'hostile',
            check: () => {
              const v = box.make();
              if (thrown) throw v;
              return v as never;
            },
          },
          { name: 'fine', check: () => ({ ok: true }) },
        ]);
        expect(report.lines).toHaveLength(2);
        expect(report.lines[1]).toBe('[+]fine ok');
        for (const l of report.lines) expect(l.length).toBeLessThanOrEqual(1000);
      }),
      { numRuns: 200 },
    );
  });

  it('describes a revoked Proxy thrown, and a malformed status returned', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const report = runHealthChecks([
      {
        name: 'thrown',
        check: () => {
          throw proxy as unknown;
        },
      },
      { name: 'returned', check: () => proxy as never },
      { name: 'reason', check: () => ({ ok: false, reason: 42 }) as never },
    ]);
    expect(report).toEqual({
      ok: false,
      lines: [
        '[-]thrown failed: [object that cannot be inspected]',
        '[-]returned failed: the check returned [object that cannot be inspected]',
        '[-]reason failed: 42',
      ],
    });
  });
});

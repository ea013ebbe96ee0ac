// npm run test:tools
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { getJson } from './registry-fetch.mjs';

/** A server whose first `failures` requests get their socket destroyed (what verdaccio's closed keep-alive socket looks like). */
async function flakyServer(failures, status = 200) {
  let seen = 0;
  const server = http.createServer((req, res) => {
    if (seen++ < failures) {
      req.socket.destroy();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json' }).end('{"versions":{"0.2.0":{}}}');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/@kubecache%2freflector`,
    seen: () => seen,
    close: () => server.close(),
  };
}

test('a metadata read that dies with a closed socket is retried, and each retry is reported', async () => {
  const s = await flakyServer(2);
  const lines = [];
  try {
    const r = await getJson(s.url, { delayMs: 1, log: (l) => lines.push(l) });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { versions: { '0.2.0': {} } });
    assert.equal(r.attempts, 3);
    assert.equal(lines.length, 2);
    assert.match(lines[0], /socket hang up|other side closed|ECONNRESET/);
    assert.match(lines[0], /retry 1\/4/);
  } finally {
    s.close();
  }
});

test('the retry is bounded: after the last attempt the error names the count and the cause', async () => {
  const s = await flakyServer(100);
  try {
    await assert.rejects(
      getJson(s.url, { attempts: 3, delayMs: 1 }),
      /failed 3 times; last: .*(socket hang up|ECONNRESET)/,
    );
    assert.equal(s.seen(), 3);
  } finally {
    s.close();
  }
});

test('a 404 is an answer, not a failure to retry', async () => {
  const s = await flakyServer(0, 404);
  try {
    const r = await getJson(s.url, { delayMs: 1 });
    assert.equal(r.status, 404);
    assert.equal(s.seen(), 1);
  } finally {
    s.close();
  }
});

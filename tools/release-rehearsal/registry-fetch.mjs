// Reads package metadata from the local registry with a bounded, reported retry.
//
// Registry metadata reads are flaky by nature: right after `changeset publish`, a fetch() on a
// kept-alive socket that verdaccio had just closed died with "other side closed" (undici's
// SocketError) about once in two runs. Each attempt here uses a fresh connection (no agent, so no
// socket reuse) and a failed attempt — a network error or a 5xx — is retried a few times with a
// short growing delay; every retry is logged with its cause, so a flaky registry is visible.
import http from 'node:http';

/**
 * GETs `url` and parses the JSON body.
 * @param {string} url
 * @param {{ attempts?: number, delayMs?: number, timeoutMs?: number, log?: (line: string) => void }} [options]
 *   attempts: total tries (default 5); delayMs: wait before the 2nd try, doubled each time
 *   (default 250 ms); timeoutMs: per attempt (default 10 s); log: where retries are reported.
 * @returns {Promise<{ status: number, body: any, attempts: number }>} 4xx answers are returned, not retried.
 */
export async function getJson(url, options = {}) {
  const { attempts = 5, delayMs = 250, timeoutMs = 10_000, log = () => {} } = options;
  let lastError;
  for (let i = 1; i <= attempts; i++) {
    try {
      const r = await getOnce(url, timeoutMs);
      if (r.status < 500) return { ...r, attempts: i };
      lastError = new Error(`HTTP ${r.status}`);
    } catch (err) {
      lastError = err;
    }
    if (i < attempts) {
      log(`GET ${url} failed (${describe(lastError)}); retry ${i}/${attempts - 1}`);
      await new Promise((r) => setTimeout(r, delayMs * 2 ** (i - 1)));
    }
  }
  throw new Error(`GET ${url} failed ${attempts} times; last: ${describe(lastError)}`, {
    cause: lastError,
  });
}

function describe(err) {
  return err instanceof Error ? `${err.message}${err.code ? ` ${err.code}` : ''}` : String(err);
}

function getOnce(url, timeoutMs) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { accept: 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('error', reject);
      res.on('end', () => {
        if (!res.complete) return reject(new Error('response ended early'));
        let body;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          if ((res.statusCode ?? 0) < 500) return reject(new Error('body is not JSON'));
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

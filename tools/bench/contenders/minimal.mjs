// The "minimal ceiling" contenders: node:http + newline split + JSON.parse + a Map. No queue, no
// indexer, no error handling beyond what the benchmark needs: they show the physical limit of
// list+watch on this machine, the numbers a real library is measured against. BENCH_MINIMAL picks
// how the initial state (and the relist after a 410) is fetched:
//
//   paged      consistent LIST (resourceVersion unset) with limit=500, following `continue`:
//              paged on both server modes; each page is one JSON.parse.
//   rv0        LIST at resourceVersion=0 with limit=500, as client-go's first list asks for it.
//              The watch-cache server ignores `limit` there and sends one whole body, so this is
//              the ceiling for an unpaged body without a streaming decoder: Buffer → one string →
//              JSON.parse. Past V8's string limit (2^29 − 24 characters, ~512 MiB: about 90k of
//              the bench's 5.7 KB pods) that fails with ERR_STRING_TOO_LONG, which is reported as
//              the run's failure (as client-node's is), not a crash of the harness.
//   watchlist  WatchList: a watch with sendInitialEvents=true; ADDED lines split and parsed one by
//              one until the `k8s.io/initial-events-end` bookmark, then the same stream is the watch.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { runContender } from './harness.mjs';

const mode = process.env.BENCH_MINIMAL ?? 'paged';
if (!['paged', 'rv0', 'watchlist'].includes(mode)) throw new Error(`BENCH_MINIMAL=${mode}?`);
const serverOf = (path) => /server:\s*(\S+)/.exec(readFileSync(path, 'utf8'))[1];
const agent = new http.Agent({ keepAlive: true });
let cache = new Map();
let synced = false;
let req = null;
let stopped = false;
let lastPath = 'none';

const getJson = (url) =>
  new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          try {
            if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode} for ${url}`);
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch (err) {
            reject(err);
          }
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });

const keyOf = (o) => `${o.metadata.namespace}/${o.metadata.name}`;
const isEndBookmark = (o) => o?.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true';

/** LISTs everything (paged or not, by mode) into `into`; returns the list's resourceVersion. */
async function list(base, into) {
  const rvParam = mode === 'rv0' ? '&resourceVersion=0' : '';
  let cont = '';
  let rv;
  let pages = 0;
  do {
    const page = await getJson(
      `${base}/api/v1/pods?limit=500${rvParam}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`,
    );
    pages++;
    for (const o of page.items) into(o);
    cont = page.metadata.continue ?? '';
    rv = page.metadata.resourceVersion;
  } while (cont);
  lastPath = `list ${mode === 'rv0' ? 'rv=0' : 'consistent'} ${pages > 1 ? 'paged' : 'unpaged'}`;
  return rv;
}

async function listAndWatch(base, h) {
  let rv = '';
  /** Replaces the cache with `fresh`, notifying what changed (a relist). */
  const swap = (fresh) => {
    for (const [k, o] of fresh) {
      const old = cache.get(k);
      if (!old) h.onAdd(o);
      else if (old.metadata.resourceVersion !== o.metadata.resourceVersion) h.onUpdate(old, o);
    }
    for (const [k, o] of cache) if (!fresh.has(k)) h.onDelete(o);
    cache = fresh;
  };
  /**
   * Opens a watch; with `initial`, a WatchList whose initial events fill a fresh map (or the
   * cache directly on the first sync) until the end bookmark.
   */
  const watch = (initial) => {
    const q = initial
      ? 'watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&resourceVersion='
      : `watch=1&allowWatchBookmarks=true&resourceVersion=${rv}`;
    const first = initial && !synced;
    let fresh = initial ? (first ? cache : new Map()) : null;
    let ended = false; // by an ERROR event: the relist opens the next watch
    req = http.get(`${base}/api/v1/pods?${q}`, { agent }, (res) => {
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const lines = (pending + chunk).split('\n');
        pending = lines.pop();
        for (const line of lines) {
          if (!line) continue;
          const ev = JSON.parse(line);
          const o = ev.object;
          if (ev.type === 'ERROR') {
            // 410: relist, replace the map, notify.
            ended = true;
            req.destroy();
            relist().catch(fail);
            return;
          }
          rv = o.metadata.resourceVersion;
          if (fresh) {
            if (ev.type === 'BOOKMARK') {
              if (!isEndBookmark(o)) continue;
              lastPath = 'watchlist';
              if (first) synced = true;
              else swap(fresh);
              fresh = null;
            } else {
              fresh.set(keyOf(o), o);
              if (first) h.onAdd(o);
            }
            continue;
          }
          if (ev.type === 'BOOKMARK') continue;
          const key = keyOf(o);
          if (ev.type === 'DELETED') {
            cache.delete(key);
            h.onDelete(o);
          } else {
            const old = cache.get(key);
            cache.set(key, o);
            if (old) h.onUpdate(old, o);
            else h.onAdd(o);
          }
        }
      });
      res.on('end', () => {
        if (!stopped && !ended) watch(fresh !== null);
      });
      res.on('error', () => {});
    });
    req.on('error', () => {});
  };
  const relist = async () => {
    if (stopped) return;
    if (mode === 'watchlist') return watch(true);
    const fresh = new Map();
    rv = await list(base, (o) => fresh.set(keyOf(o), o));
    swap(fresh);
    watch(false);
  };
  if (mode === 'watchlist') return watch(true);
  rv = await list(base, (o) => {
    cache.set(keyOf(o), o);
    h.onAdd(o);
  });
  synced = true;
  watch(false);
}

/** A failed (re)list is this run's failure: the harness records the message. */
const fail = (err) => {
  if (stopped) return;
  process.send({
    type: 'error',
    message: `minimal-${mode}: ${err?.code ? `${err.code}: ` : ''}${err?.message ?? err}`,
  });
};

await runContender({
  async start({ kubeconfigPath, handlers }) {
    listAndWatch(serverOf(kubeconfigPath), handlers).catch(fail);
  },
  isSynced: () => synced,
  path: () => lastPath,
  async stop() {
    stopped = true;
    req?.destroy();
    agent.destroy();
  },
});

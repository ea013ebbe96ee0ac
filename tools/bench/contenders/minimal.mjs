// The "minimal ceiling" contender: node:http + paginated LIST + newline split + JSON.parse + a Map.
// No queue, no indexer, no error handling beyond what the benchmark needs: it shows the physical
// limit of list+watch on this machine, the number a real library is measured against.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { runContender } from './harness.mjs';

const serverOf = (path) => /server:\s*(\S+)/.exec(readFileSync(path, 'utf8'))[1];
const agent = new http.Agent({ keepAlive: true });
const cache = new Map();
let synced = false;
let req = null;

const getJson = (url) =>
  new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        res.on('error', reject);
      })
      .on('error', reject);
  });

const keyOf = (o) => `${o.metadata.namespace}/${o.metadata.name}`;

async function listAndWatch(base, h) {
  let cont = '';
  let rv = '';
  do {
    const page = await getJson(
      `${base}/api/v1/pods?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`,
    );
    for (const o of page.items) {
      cache.set(keyOf(o), o);
      h.onAdd(o);
    }
    cont = page.metadata.continue ?? '';
    rv = page.metadata.resourceVersion;
  } while (cont);
  synced = true;
  const watch = () => {
    req = http.get(
      `${base}/api/v1/pods?watch=1&allowWatchBookmarks=true&resourceVersion=${rv}`,
      { agent },
      (res) => {
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
              req.destroy();
              relist(base, h).catch(() => {});
              return;
            }
            rv = o.metadata.resourceVersion;
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
        res.on('end', () => watch());
        res.on('error', () => {});
      },
    );
    req.on('error', () => {});
  };
  const relist = async () => {
    const fresh = new Map();
    let c = '';
    do {
      const page = await getJson(
        `${base}/api/v1/pods?limit=500${c ? `&continue=${encodeURIComponent(c)}` : ''}`,
      );
      for (const o of page.items) fresh.set(keyOf(o), o);
      c = page.metadata.continue ?? '';
      rv = page.metadata.resourceVersion;
    } while (c);
    for (const [k, o] of fresh) {
      const old = cache.get(k);
      if (!old) h.onAdd(o);
      else if (old.metadata.resourceVersion !== o.metadata.resourceVersion) h.onUpdate(old, o);
    }
    for (const [k, o] of cache) if (!fresh.has(k)) h.onDelete(o);
    cache.clear();
    for (const [k, o] of fresh) cache.set(k, o);
    watch();
  };
  watch();
}

await runContender({
  async start({ kubeconfigPath, handlers }) {
    void listAndWatch(serverOf(kubeconfigPath), handlers);
  },
  isSynced: () => synced,
  async stop() {
    req?.destroy();
    agent.destroy();
  },
});
